#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# Independent DKIM verifier on Perl's Mail::DKIM, for the interop tests.
#
#   maildkim_verify.pl --features
#   maildkim_verify.pl KEYFILE MESSAGE...
#
# KEYFILE: one key per line, "SELECTOR._domainkey.DOMAIN<whitespace>TXT-VALUE"
# (the same file libopendkim reads). Key lookups never reach DNS: the
# Mail::DKIM::DNS::query function, which every Mail::DKIM key fetch goes
# through, is replaced by one answering from KEYFILE with Net::DNS TXT records,
# so Mail::DKIM's own record parsing (split strings, tags) is still exercised.
# Messages are fed exactly as they are on disk; the caller converts them to
# CRLF (Mail::DKIM expects the SMTP wire form).
#
# For every DKIM-Signature one line goes to stdout:
#   FILE <TAB> DOMAIN <TAB> SELECTOR <TAB> ALGORITHM <TAB> pass|fail <TAB> DETAIL
# and "FILE - - - none DETAIL" when there is no signature.
use strict;
use warnings;
use Mail::DKIM;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

if ( @ARGV == 1 && $ARGV[0] eq '--features' ) {
    my $ed = eval { require Mail::DKIM::Algorithm::ed25519_sha256; 1 } ? 'yes' : 'no';
    print "version=$Mail::DKIM::VERSION\ned25519=$ed\n";
    exit 0;
}
die "usage: maildkim_verify.pl KEYFILE MESSAGE... | --features\n" if @ARGV < 2;

my $keyfile = shift @ARGV;
my %keys;
open my $kf, '<', $keyfile or die "maildkim_verify: cannot read $keyfile: $!\n";
while ( my $line = <$kf> ) {
    chomp $line;
    next if $line =~ /^\s*(#|$)/;
    my ( $name, $value ) = split /\s+/, $line, 2;
    $keys{ lc $name } = $value;
}
close $kf;

{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $name, $type ) = @_;
        my $value = $keys{ lc $name };
        if ( !defined $value || $type ne 'TXT' ) {
            $@ = 'NXDOMAIN';
            return;
        }
        # a TXT record is a list of strings of at most 255 octets
        my @strings = unpack '(a255)*', $value;
        $@ = 'NOERROR';
        return Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => [@strings] );
    };
}

for my $path (@ARGV) {
    open my $fh, '<:raw', $path or die "maildkim_verify: cannot read $path: $!\n";
    my $dkim = Mail::DKIM::Verifier->new();
    my $buf;
    while ( read( $fh, $buf, 65536 ) ) { $dkim->PRINT($buf); }
    close $fh;
    $dkim->CLOSE;
    my @sigs = $dkim->signatures;
    for my $sig (@sigs) {
        my $result = $sig->result // 'none';
        my $detail = $sig->result_detail // $result;
        printf "%s\t%s\t%s\t%s\t%s\t%s\n", $path, $sig->domain // '-', $sig->selector // '-',
          $sig->algorithm // '-', ( $result eq 'pass' ? 'pass' : 'fail' ), $detail;
    }
    printf "%s\t-\t-\t-\tnone\t%s\n", $path, $dkim->result_detail unless @sigs;
}
