path "secret/data/heredoc" {
  capabilities = ["read"]
  comment = <<EOT
A heredoc comment,
  over two lines.
EOT
  note = <<-EOT
    indented
      more
    EOT
}
