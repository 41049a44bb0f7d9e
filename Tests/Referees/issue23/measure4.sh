#!/usr/bin/env bash
# usage: measure4.sh EDSVAULT_BINARY PART  — a real serve, one ordinary verification, then one 99 MiB PART; VmHWM before/after.
set -u
bin=$1; part=$2; cd "$(dirname "$0")/../../.."
work=$(mktemp -d); head -c $((99<<20)) /dev/zero | tr '\0' 'A' > $work/big.cms
printf 'order\n' > $work/order.txt
EDS_PASSWORD='Demo-2026!' $bin sign $work/order.txt --key Certs/employee.p12 --password-env EDS_PASSWORD --out $work/order.cms
$bin serve --port 0 --trust Certs/trust/root.pem --demo > $work/out 2>/dev/null & pid=$!
for i in $(seq 100); do grep -q listening $work/out && break; sleep 0.1; done
url=$(sed -n 's/edsvault: listening on //p' $work/out)
curl -s -o /dev/null -F signature=@$work/order.cms $url/api/v1/verify
base=$(awk '/VmHWM/{print $2}' /proc/$pid/status); rss0=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
start=$(date +%s.%N)
code=$(curl -s -o /dev/null -w '%{http_code} ttfb=%{time_starttransfer} sent=%{size_upload}' -F "$part=@$work/big.cms;type=application/octet-stream" $url/api/v1/verify)
end=$(date +%s.%N)
peak=$(awk '/VmHWM/{print $2}' /proc/$pid/status); rss1=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
echo "$part: HTTP $code in $(echo "$end - $start" | bc) s; VmHWM $((base/1024)) -> $((peak/1024)) MiB; VmRSS $((rss0/1024)) -> $((rss1/1024)) MiB"
kill -9 $pid; rm -rf $work
