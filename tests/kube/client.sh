#!/usr/bin/env bash
# kube/client.h against the test control plane (tests/env/kube-up) and
# against tests/kube/flaky_server.py (429, 503, limits, continue tokens).
#
#   tests/kube/client.sh KUBE_CLIENT_CHECK
set -uo pipefail
check=${1:?usage: client.sh KUBE_CLIENT_CHECK}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
flaky=
proxy=
rc=0
cleanup() {
	[[ -n $flaky ]] && kill "$flaky" 2>/dev/null
	[[ -n $proxy ]] && kill "$proxy" 2>/dev/null
	"$here/../env/kube-down" "$work/cp" >/dev/null 2>&1
	if ((rc)); then
		echo "client: files kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

python3 "$here/flaky_server.py" "$work/port" &
flaky=$!
for _ in $(seq 50); do [[ -s $work/port ]] && break; sleep 0.1; done
"$check" retry "http://127.0.0.1:$(cat "$work/port")" || rc=1

"$here/../env/kube-up" "$work/cp" >"$work/kube-up.out" 2>&1 || {
	cat "$work/kube-up.out"
	rc=1
	exit 1
}
python3 "$here/../cli/forward_proxy.py" --port-file "$work/proxy.port" --log "$work/proxy.log" &
proxy=$!
for _ in $(seq 50); do [[ -s $work/proxy.port ]] && break; sleep 0.1; done
KSO_TEST_PROXY="http://127.0.0.1:$(cat "$work/proxy.port")" KSO_TEST_PROXY_LOG=$work/proxy.log \
	TMPDIR=$work "$check" cluster "$work/cp/kubeconfig" "$work" \
	"$here/../env/kube-restart $work/cp kube-apiserver 2" || rc=1
exit $rc
