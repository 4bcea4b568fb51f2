# learn-spam.sieve - imapsieve: a message was moved or copied into Junk.
# Pipes it to vigie-learn, which has vigie learn it as spam.
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment", "variables"];

if environment :matches "imap.user" "*" {
    set "username" "${1}";
}

pipe :copy "vigie-learn" ["spam", "${username}"];
