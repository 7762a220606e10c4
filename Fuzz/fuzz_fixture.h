/* fuzz_fixture.h: a throwaway test CA (P-256) for the fuzz harnesses. Its private key
 * is public on purpose: the differential harness re-signs mutated certificates with it
 * so that mutations reach every check past the signature. Never trust it anywhere. */
#ifndef FUZZ_FIXTURE_H
#define FUZZ_FIXTURE_H
#define FUZZ_AT 1798761600 /* 2027-01-01T00:00:00Z, inside the fixture's validity */
static const char FUZZ_CA_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBdzCCAR6gAwIBAgIBATAKBggqhkjOPQQDAjASMRAwDgYDVQQDDAdGdXp6IENB\n"
    "MCAXDTI2MTEyMjIzNTczMVoYDzIxMjYxMDI5MjM1NzMxWjASMRAwDgYDVQQDDAdG\n"
    "dXp6IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEB65n4Y9YmwomD6LVswhA\n"
    "Vh98SJqydiWFre7cRJ+0JrLHwrqGzb87xtFT8PD27KHy5IcWM1idRzqXnl0Ntyq6\n"
    "LKNjMGEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYE\n"
    "FPc3f2z9OJ9uMteZwdECm+qAargQMB8GA1UdIwQYMBaAFPc3f2z9OJ9uMteZwdEC\n"
    "m+qAargQMAoGCCqGSM49BAMCA0cAMEQCIHvdUPHTjVJzHVB4iMCWvolAUkvfbwH1\n"
    "SRdymvXATlNIAiBsOrPEuSXAyOT4y3FZlQ6E4TKvS1htUr193lkoKurTsA==\n"
    "-----END CERTIFICATE-----\n";
static const char FUZZ_CA_KEY_PEM[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgpCrpsytuId0m9dUU\n"
    "khrIPtvbVXamYUy4h/pcnDY7CB+hRANCAAQHrmfhj1ibCiYPotWzCEBWH3xImrJ2\n"
    "JYWt7txEn7QmssfCuobNvzvG0VPw8PbsofLkhxYzWJ1HOpeeXQ23Kros\n"
    "-----END PRIVATE KEY-----\n";
/* An OpenSSH Ed25519 CA key, public on purpose like the one above: fuzz_sshcert signs
 * mutated certificate bodies with it so mutations reach every check past the signature. */
static const char FUZZ_SSH_CA_KEY[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACBsg4jWi8djU9vyRDqwjiudxcfpEsixn7+ANJ7ymzpc6QAAAKguoIBvLqCA\n"
    "bwAAAAtzc2gtZWQyNTUxOQAAACBsg4jWi8djU9vyRDqwjiudxcfpEsixn7+ANJ7ymzpc6Q\n"
    "AAAECjOu1TIEm/Qec53qub3JabpzzKz5fK8Otntd6Horva5WyDiNaLx2NT2/JEOrCOK53F\n"
    "x+kSyLGfv4A0nvKbOlzpAAAAImZ1enogZml4dHVyZSBDQSwgcHVibGljIG9uIHB1cnBvc2\n"
    "UBAgM=\n"
    "-----END OPENSSH PRIVATE KEY-----\n";
#endif
