# learn-ham.sieve - imapsieve: a message was moved or copied out of Junk.
# Pipes it to vigie-learn, which has vigie learn it as ham; nothing is
# learnt when it went to the Trash (deleting spam does not make it ham).
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment", "variables"];

if environment :matches "imap.mailbox" "*" {
    set "mailbox" "${1}";
}
if string :is "${mailbox}" ["Trash", "Deleted Messages"] {
    stop;
}
if environment :matches "imap.user" "*" {
    set "username" "${1}";
}

pipe :copy "vigie-learn" ["ham", "${username}"];
