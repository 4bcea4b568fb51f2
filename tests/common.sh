# NAME
#	common.sh - shell helpers of the test and bench scripts
# SYNOPSIS
#	. tests/common.sh
#	port=$(free_port) || exit 1
#	wait_for SECONDS COMMAND [ARG...] || echo "never came"
# DESCRIPTION
#	free_port prints a TCP port of 127.0.0.1 that nothing listens on
#	(the kernel's pick for a socket bound to port 0; perl-base does
#	the binding).
#	wait_for runs COMMAND every 0.1 s until it succeeds (status 0) or
#	SECONDS have passed (status 1).

# free_port - a free TCP port on 127.0.0.1, printed
free_port()
{
    perl -MIO::Socket::INET -e \
        'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)
             or die "no free port: $!\n"; print $s->sockport, "\n"'
}

# wait_for SECONDS COMMAND... - poll COMMAND every 0.1 s, at most SECONDS
wait_for()
{
    _wait_limit=$(($1 * 10))
    shift
    _wait_tries=0
    until "$@"; do
        _wait_tries=$((_wait_tries + 1))
        [ "$_wait_tries" -ge "$_wait_limit" ] && return 1
        sleep 0.1
    done
    return 0
}
