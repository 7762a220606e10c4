// OpenAPIDocument.swift: the API, described (served at /openapi.json; a test checks it
// against the routes the server registers).

enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.0.3",
  "info": {
    "title": "Vouch",
    "version": "0.1.0",
    "description": "Machine-identity logins (TLS client certificates) and access tokens, in Infisical's and Vault's shapes."
  },
  "paths": {
    "/healthz": {
      "get": {
        "summary": "Liveness",
        "tags": [
          "system"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "status": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics (text format 0.0.4)",
        "tags": [
          "system"
        ],
        "security": [],
        "responses": {
          "200": {
            "description": "metrics",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          }
        }
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document",
        "tags": [
          "system"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/.well-known/jwks.json": {
      "get": {
        "summary": "The access-token signing key as a JWK Set (EdDSA, Ed25519)",
        "tags": [
          "system"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/JWKS"
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/api/v1/identities": {
      "post": {
        "summary": "Create an identity",
        "tags": [
          "identities"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/IdentityEnvelope"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/IdentityCreate"
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "get": {
        "summary": "List identities",
        "tags": [
          "identities"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "identities": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/Identity"
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/api/v1/identities/{identityId}": {
      "get": {
        "summary": "Read an identity",
        "tags": [
          "identities"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/IdentityEnvelope"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "parameters": [
          {
            "name": "identityId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "patch": {
        "summary": "Update an identity",
        "tags": [
          "identities"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/IdentityEnvelope"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          }
        },
        "parameters": [
          {
            "name": "identityId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/IdentityUpdate"
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "delete": {
        "summary": "Delete an identity, its auth methods and its tokens",
        "tags": [
          "identities"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/IdentityEnvelope"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "parameters": [
          {
            "name": "identityId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/api/v1/auth/tls-cert-auth/identities/{identityId}": {
      "post": {
        "summary": "Attach TLS certificate auth to an identity",
        "tags": [
          "tls-cert-auth"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TLSCertAuthEnvelope"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "409": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          }
        },
        "parameters": [
          {
            "name": "identityId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TLSCertAuthInput"
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "patch": {
        "summary": "Update an identity's TLS certificate auth",
        "tags": [
          "tls-cert-auth"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TLSCertAuthEnvelope"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          },
          "413": {
            "$ref": "#/components/responses/Error"
          }
        },
        "parameters": [
          {
            "name": "identityId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TLSCertAuthInput"
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "get": {
        "summary": "Read an identity's TLS certificate auth",
        "tags": [
          "tls-cert-auth"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TLSCertAuthEnvelope"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "parameters": [
          {
            "name": "identityId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "delete": {
        "summary": "Detach TLS certificate auth and revoke the tokens it issued",
        "tags": [
          "tls-cert-auth"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TLSCertAuthEnvelope"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "parameters": [
          {
            "name": "identityId",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/api/v1/auth/tls-cert-auth/login": {
      "post": {
        "summary": "Log in with a client certificate (from the TLS handshake, or a trusted proxy's header)",
        "tags": [
          "tls-cert-auth"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AccessToken"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": [
                  "identityId"
                ],
                "additionalProperties": false,
                "properties": {
                  "identityId": {
                    "type": "string"
                  },
                  "organizationSlug": {
                    "type": "string",
                    "description": "accepted for Infisical clients; ignored"
                  }
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/api/v1/auth/token/renew": {
      "post": {
        "summary": "Renew an access token by its TTL (never past its max TTL)",
        "tags": [
          "tokens"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AccessToken"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/AccessTokenBody"
              }
            }
          }
        },
        "security": []
      }
    },
    "/api/v1/auth/token/revoke": {
      "post": {
        "summary": "Revoke an access token",
        "tags": [
          "tokens"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "message": {
                      "type": "string"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/AccessTokenBody"
              }
            }
          }
        },
        "security": []
      }
    },
    "/api/v1/auth/token/introspect": {
      "post": {
        "summary": "Check the presented token (signature, expiry, revocation, trusted IPs) and count one use",
        "tags": [
          "tokens"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Introspection"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/Error"
          },
          "401": {
            "$ref": "#/components/responses/Error"
          },
          "403": {
            "$ref": "#/components/responses/Error"
          },
          "404": {
            "$ref": "#/components/responses/Error"
          }
        },
        "security": [
          {
            "accessToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/v1/auth/cert/certs": {
      "get": {
        "summary": "List cert roles",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VaultList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "401": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "404": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "list",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "true"
              ]
            },
            "description": "Vault's listing: GET ?list=true, or the LIST method"
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/v1/auth/cert/certs/{name}": {
      "post": {
        "summary": "Create or update a cert role",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "204": {
            "description": "done"
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "413": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/VaultCertRole"
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "put": {
        "summary": "Create or update a cert role",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "204": {
            "description": "done"
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "413": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/VaultCertRole"
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "get": {
        "summary": "Read a cert role",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VaultResponse"
                }
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "404": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "delete": {
        "summary": "Delete a cert role",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "204": {
            "description": "done"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "404": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/v1/auth/cert/crls": {
      "get": {
        "summary": "List CRLs",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VaultList"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "401": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "404": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "list",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "true"
              ]
            },
            "description": "Vault's listing: GET ?list=true, or the LIST method"
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/v1/auth/cert/crls/{name}": {
      "post": {
        "summary": "Push a named CRL (its signature is checked against a configured CA)",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "204": {
            "description": "done"
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "413": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "crl": {
                    "type": "string",
                    "description": "PEM"
                  },
                  "url": {
                    "type": "string",
                    "description": "not supported: push the CRL"
                  }
                }
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "put": {
        "summary": "Push a named CRL",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "204": {
            "description": "done"
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "413": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "crl": {
                    "type": "string"
                  },
                  "url": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "get": {
        "summary": "Read a CRL's serial numbers",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VaultResponse"
                }
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "404": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      },
      "delete": {
        "summary": "Delete a CRL",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "204": {
            "description": "done"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          },
          "404": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "parameters": [
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "security": [
          {
            "adminToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/v1/auth/cert/login": {
      "post": {
        "summary": "Log in with a client certificate against one role, or every role",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VaultResponse"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "name": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "security": []
      },
      "put": {
        "summary": "Log in with a client certificate",
        "tags": [
          "vault-cert"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VaultResponse"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "name": {
                    "type": "string"
                  }
                }
              }
            }
          }
        },
        "security": []
      }
    },
    "/v1/auth/token/lookup-self": {
      "get": {
        "summary": "Look up the presented token (counts a use)",
        "tags": [
          "vault-token"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VaultResponse"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "401": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "security": [
          {
            "accessToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/v1/auth/token/renew-self": {
      "post": {
        "summary": "Renew the presented token",
        "tags": [
          "vault-token"
        ],
        "responses": {
          "200": {
            "description": "ok",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VaultResponse"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "401": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "increment": {
                    "oneOf": [
                      {
                        "type": "integer"
                      },
                      {
                        "type": "string"
                      }
                    ]
                  }
                }
              }
            }
          }
        },
        "security": [
          {
            "accessToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    },
    "/v1/auth/token/revoke-self": {
      "post": {
        "summary": "Revoke the presented token",
        "tags": [
          "vault-token"
        ],
        "responses": {
          "204": {
            "description": "done"
          },
          "400": {
            "$ref": "#/components/responses/VaultError"
          },
          "401": {
            "$ref": "#/components/responses/VaultError"
          },
          "403": {
            "$ref": "#/components/responses/VaultError"
          }
        },
        "security": [
          {
            "accessToken": []
          },
          {
            "vaultToken": []
          }
        ]
      }
    }
  },
  "components": {
    "schemas": {
      "Error": {
        "type": "object",
        "required": [
          "error",
          "message",
          "statusCode"
        ],
        "properties": {
          "error": {
            "type": "string",
            "description": "stable code"
          },
          "message": {
            "type": "string"
          },
          "statusCode": {
            "type": "integer"
          }
        }
      },
      "VaultErrors": {
        "type": "object",
        "required": [
          "errors"
        ],
        "properties": {
          "errors": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      },
      "JWKS": {
        "type": "object",
        "properties": {
          "keys": {
            "type": "array",
            "items": {
              "type": "object"
            }
          }
        }
      },
      "Identity": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "role": {
            "type": "string"
          },
          "policies": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "authMethods": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "createdAt": {
            "type": "string",
            "format": "date-time"
          },
          "updatedAt": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "IdentityEnvelope": {
        "type": "object",
        "properties": {
          "identity": {
            "$ref": "#/components/schemas/Identity"
          }
        }
      },
      "IdentityCreate": {
        "type": "object",
        "required": [
          "name"
        ],
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": "string"
          },
          "role": {
            "type": "string",
            "default": "no-access"
          },
          "policies": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "organizationId": {
            "type": "string",
            "description": "accepted for Infisical clients; ignored"
          }
        }
      },
      "IdentityUpdate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {
            "type": "string"
          },
          "role": {
            "type": "string"
          },
          "policies": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      },
      "TLSCertAuthInput": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "caCertificate": {
            "type": "string",
            "description": "PEM: one or more CA certificates, each a trust anchor (required on attach)"
          },
          "allowedCommonNames": {
            "type": "string",
            "description": "comma list of globs (* and ?)"
          },
          "allowedDnsSans": {
            "type": "string"
          },
          "allowedEmailSans": {
            "type": "string"
          },
          "allowedUriSans": {
            "type": "string"
          },
          "allowedOrganizationalUnits": {
            "type": "string"
          },
          "accessTokenTTL": {
            "type": "integer",
            "minimum": 0,
            "maximum": 315360000,
            "default": 2592000
          },
          "accessTokenMaxTTL": {
            "type": "integer",
            "minimum": 1,
            "maximum": 315360000,
            "default": 2592000
          },
          "accessTokenNumUsesLimit": {
            "type": "integer",
            "minimum": 0,
            "default": 0
          },
          "accessTokenTrustedIps": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "ipAddress"
              ],
              "additionalProperties": false,
              "properties": {
                "ipAddress": {
                  "type": "string",
                  "description": "an address or CIDR range"
                }
              }
            }
          }
        }
      },
      "TLSCertAuth": {
        "type": "object",
        "properties": {
          "id": {
            "type": "string"
          },
          "identityId": {
            "type": "string"
          },
          "caCertificate": {
            "type": "string"
          },
          "allowedCommonNames": {
            "type": "string",
            "nullable": true
          },
          "allowedDnsSans": {
            "type": "string",
            "nullable": true
          },
          "allowedEmailSans": {
            "type": "string",
            "nullable": true
          },
          "allowedUriSans": {
            "type": "string",
            "nullable": true
          },
          "allowedOrganizationalUnits": {
            "type": "string",
            "nullable": true
          },
          "accessTokenTTL": {
            "type": "integer"
          },
          "accessTokenMaxTTL": {
            "type": "integer"
          },
          "accessTokenNumUsesLimit": {
            "type": "integer"
          },
          "accessTokenTrustedIps": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "ipAddress": {
                  "type": "string"
                },
                "type": {
                  "type": "string"
                },
                "prefix": {
                  "type": "integer"
                }
              }
            }
          },
          "createdAt": {
            "type": "string"
          },
          "updatedAt": {
            "type": "string"
          }
        }
      },
      "TLSCertAuthEnvelope": {
        "type": "object",
        "properties": {
          "identityTlsCertAuth": {
            "$ref": "#/components/schemas/TLSCertAuth"
          }
        }
      },
      "AccessToken": {
        "type": "object",
        "required": [
          "accessToken",
          "expiresIn",
          "accessTokenMaxTTL",
          "tokenType"
        ],
        "properties": {
          "accessToken": {
            "type": "string",
            "description": "compact JWS (EdDSA)"
          },
          "expiresIn": {
            "type": "integer"
          },
          "accessTokenMaxTTL": {
            "type": "integer"
          },
          "tokenType": {
            "type": "string",
            "enum": [
              "Bearer"
            ]
          }
        }
      },
      "AccessTokenBody": {
        "type": "object",
        "required": [
          "accessToken"
        ],
        "additionalProperties": false,
        "properties": {
          "accessToken": {
            "type": "string"
          }
        }
      },
      "Introspection": {
        "type": "object",
        "properties": {
          "active": {
            "type": "boolean"
          },
          "subject": {
            "type": "string"
          },
          "identityId": {
            "type": "string"
          },
          "authMethod": {
            "type": "string"
          },
          "policies": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "metadata": {
            "type": "object"
          },
          "expiresIn": {
            "type": "integer"
          },
          "accessTokenMaxTTL": {
            "type": "integer"
          },
          "numUses": {
            "type": "integer"
          },
          "accessTokenNumUsesLimit": {
            "type": "integer"
          }
        }
      },
      "VaultCertRole": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {
            "description": "as Vault's cert auth method"
          },
          "certificate": {
            "description": "as Vault's cert auth method"
          },
          "display_name": {
            "description": "as Vault's cert auth method"
          },
          "allowed_names": {
            "description": "as Vault's cert auth method"
          },
          "allowed_common_names": {
            "description": "as Vault's cert auth method"
          },
          "allowed_dns_sans": {
            "description": "as Vault's cert auth method"
          },
          "allowed_email_sans": {
            "description": "as Vault's cert auth method"
          },
          "allowed_uri_sans": {
            "description": "as Vault's cert auth method"
          },
          "allowed_organizational_units": {
            "description": "as Vault's cert auth method"
          },
          "required_extensions": {
            "description": "as Vault's cert auth method"
          },
          "token_policies": {
            "description": "as Vault's cert auth method"
          },
          "policies": {
            "description": "as Vault's cert auth method"
          },
          "token_ttl": {
            "description": "as Vault's cert auth method"
          },
          "ttl": {
            "description": "as Vault's cert auth method"
          },
          "lease": {
            "description": "as Vault's cert auth method"
          },
          "token_max_ttl": {
            "description": "as Vault's cert auth method"
          },
          "max_ttl": {
            "description": "as Vault's cert auth method"
          },
          "token_num_uses": {
            "description": "as Vault's cert auth method"
          },
          "token_bound_cidrs": {
            "description": "as Vault's cert auth method"
          },
          "bound_cidrs": {
            "description": "as Vault's cert auth method"
          },
          "token_type": {
            "description": "as Vault's cert auth method"
          },
          "token_explicit_max_ttl": {
            "description": "as Vault's cert auth method"
          },
          "token_period": {
            "description": "as Vault's cert auth method"
          },
          "period": {
            "description": "as Vault's cert auth method"
          },
          "token_no_default_policy": {
            "description": "as Vault's cert auth method"
          },
          "allowed_metadata_extensions": {
            "description": "as Vault's cert auth method"
          }
        }
      },
      "VaultResponse": {
        "type": "object",
        "properties": {
          "request_id": {
            "type": "string"
          },
          "lease_id": {
            "type": "string"
          },
          "renewable": {
            "type": "boolean"
          },
          "lease_duration": {
            "type": "integer"
          },
          "data": {
            "type": "object",
            "nullable": true
          },
          "auth": {
            "type": "object",
            "nullable": true
          },
          "warnings": {
            "nullable": true
          },
          "wrap_info": {
            "nullable": true
          }
        }
      },
      "VaultList": {
        "allOf": [
          {
            "$ref": "#/components/schemas/VaultResponse"
          }
        ]
      }
    },
    "responses": {
      "Error": {
        "description": "error",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "VaultError": {
        "description": "error",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/VaultErrors"
            }
          }
        }
      }
    },
    "securitySchemes": {
      "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "the admin token"
      },
      "accessToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "an access token"
      },
      "vaultToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Vault-Token"
      }
    }
  }
}
"""#
}
