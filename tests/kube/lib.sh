# Shared by the control-plane tests (sourced): a work directory with the
# control plane in $work/cp, kept with its logs when a check failed, and
# the ok / bad / check / eventually reporters. The sourcing script sets
# `name` (its name in messages) first.
# shellcheck shell=bash
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
env_dir=$here/../env
work=$(mktemp -d)
failures=0
cleanup() {
	"$env_dir/kube-down" "$work/cp" >/dev/null 2>&1
	if ((failures)) || [[ ${keep:-} == --keep ]]; then
		echo "$name: files kept in $work"
		if ((failures)); then
			for log in "$work"/cp/logs/*.log "$work"/cp/storage/storage.log; do
				[[ -s $log ]] && echo "---- $log (last 20 lines)" && tail -n 20 "$log"
			done
		fi
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

ok() { echo "ok   $1"; }
bad() {
	echo "FAIL $1"
	shift
	[[ $# -gt 0 ]] && printf '     %s\n' "$@"
	failures=$((failures + 1))
}
# check NAME CMD...: CMD must succeed
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$what"; else bad "$what" "$(tail -n 5 <<<"$out")"; fi
}
# eventually SECONDS CMD...: polls CMD until it succeeds
eventually() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.3
	done
}
k() { kubectl --request-timeout=30s "$@"; }

# Starts the control plane in $work/cp and sets KUBECONFIG, KUBE_PKI, ...
kube_up() {
	"$env_dir/kube-up" "$work/cp" >"$work/kube-up.out" 2>&1 || {
		cat "$work/kube-up.out"
		failures=1
		exit 1
	}
	# shellcheck disable=SC1091
	source "$work/cp/env"
	export KUBECONFIG
	ok "control plane up ($KUBE_APISERVER)"
}

# Starts kso storage ($1) and registers it as the APIService.
storage_up() {
	local out
	if out=$("$env_dir/storage-up" "$1" "$work/cp" 2>&1); then
		ok "$out"
		port=$(cat "$work/cp/storage/port")
	else
		bad "kso storage registered and Available" "$out"
		exit 1
	fi
}
