#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Verify every DKIM-Signature of a delivered message with Mail::DKIM.
# usage: verify_dkim.pl MESSAGE NORMALIZED-DNSFILE   (lines "name<TAB>value",
#        as printed by verify_dkim.py --normalize)
# The records are served in place of DNS. Exit: 0 all signatures pass
# (at least one), 1 a signature failed, 2 no signature, 3 usage error.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

@ARGV == 2 or die "usage: verify_dkim.pl MESSAGE DNSFILE\n";
my ($message_file, $dns_file) = @ARGV;

my %txt;
open my $dns, '<', $dns_file or do { warn "$dns_file: $!\n"; exit 3 };
while (<$dns>) {
    chomp;
    my ($name, $value) = split /\t/, $_, 2;
    $txt{lc $name} = $value if defined $value;
}
close $dns;

# Replace the resolver: answer TXT queries from the file, NXDOMAIN otherwise.
{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ($domain, $type) = @_;
        my $value = $txt{lc($domain =~ s/\.$//r)};
        if (!defined $value || uc $type ne 'TXT') { $@ = 'NXDOMAIN'; return; }
        # TXT strings are at most 255 bytes each on the wire.
        my @chunks = unpack '(a255)*', $value;
        $@ = 'NOERROR';
        return Net::DNS::RR->new(name => $domain, type => 'TXT', txtdata => [@chunks]);
    };
}

open my $fh, '<', $message_file or do { warn "$message_file: $!\n"; exit 3 };
binmode $fh;
my $dkim = Mail::DKIM::Verifier->new();
while (my $line = <$fh>) {
    $line =~ s/\r?\n\z/\r\n/;
    $dkim->PRINT($line);
}
close $fh;
$dkim->CLOSE;

my @sigs = $dkim->signatures;
if (!@sigs) { print "Mail::DKIM: no DKIM-Signature\n"; exit 2; }
my ($ok, $passed) = (1, 0);
for my $sig (@sigs) {
    my $result = $sig->result;
    my $detail = $sig->result_detail;
    # Debian 12's Mail::DKIM (1.20230212) predates RFC 8463 support; dkimpy
    # checks those signatures, here they are reported and not counted.
    my $unsupported = $sig->algorithm eq 'ed25519-sha256' && $result ne 'pass'
      && $detail =~ /unsupported|algorithm/i;
    printf "Mail::DKIM: d=%s s=%s a=%s %s%s\n", $sig->domain, $sig->selector,
      $sig->algorithm, $unsupported ? 'skipped' : $result,
      ($detail ne $result ? " ($detail)" : '');
    next if $unsupported;
    $result eq 'pass' ? $passed++ : ($ok = 0);
}
exit($ok && $passed ? 0 : 1);
