#!/usr/bin/env bash
# kso storage behind a real kube-apiserver's aggregation layer
# (spec/storage.md §2.1): registered as the APIService
# v1beta1.spdx.softwarecomposition.kubescape.io, reached with kubectl through
# kube-apiserver, RBAC enforced there, watches through the aggregator, and a
# namespace holding storage objects deleted by kube-controller-manager's
# namespace controller.
#
#   tests/kube/aggregator.sh KSO [--keep]
#
# Starts its own control plane (tests/env/kube-up) and kso storage in a
# temporary directory and stops both at the end; --keep leaves the directory
# (logs, certificates) for a look. Each check prints "ok" or "FAIL" and the
# exit status counts the failures.
set -uo pipefail
kso=$(realpath "${1:?usage: aggregator.sh KSO [--keep]}")
keep=${2:-}
name=aggregator
# shellcheck source=tests/kube/lib.sh
source "$(dirname "$0")/lib.sh"
GROUP=spdx.softwarecomposition.kubescape.io

kube_up
pki=$KUBE_PKI
storage_up "$kso"

# ---- kubectl through the aggregator ----
check "api-resources lists the group" \
	bash -c "kubectl api-resources --api-group=$GROUP | grep -q vulnerabilitymanifests"
out=$(k get workloadconfigurationscans -A 2>&1)
[[ $out == "No resources found" ]] && ok "get workloadconfigurationscans -A" ||
	bad "get workloadconfigurationscans -A" "$out"
out=$(k get vulnerabilitymanifests -A 2>&1)
[[ $out == "No resources found" ]] && ok "get vulnerabilitymanifests -A" ||
	bad "get vulnerabilitymanifests -A" "$out"

# A watch through the aggregator sees a create made through it.
k create namespace demo >/dev/null
kubectl get vulnerabilitymanifests -n demo -w -o name >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
sleep 2
cat >"$work/vm.yaml" <<EOF
apiVersion: $GROUP/v1beta1
kind: VulnerabilityManifest
metadata:
  name: nginx-1.25
  namespace: demo
  labels: {kubescape.io/workload-kind: Deployment}
spec:
  metadata: {withRelevancy: false}
  payload: {matches: []}
EOF
check "create through the aggregator" k apply -f "$work/vm.yaml"
for i in 1 2 3; do
	sed "s/nginx-1.25/extra-$i/" "$work/vm.yaml" | k apply -f - >/dev/null
done
if eventually 20 grep -q "vulnerabilitymanifest.$GROUP/nginx-1.25" "$work/watch.out"; then
	ok "watch through the aggregator receives the create"
else
	bad "watch through the aggregator receives the create" "$(cat "$work/watch.out" "$work/watch.err")"
fi
kill "$watch_pid" 2>/dev/null
wait "$watch_pid" 2>/dev/null
out=$(k get vulnerabilitymanifest nginx-1.25 -n demo -o jsonpath='{.metadata.annotations.kubescape\.io/sync-checksum}' 2>&1)
[[ $out =~ ^[0-9a-f]{64}$ ]] && ok "object read back with its sync checksum" ||
	bad "object read back with its sync checksum" "$out"
out=$(curl -s --cacert "$pki/test-ca.crt" --resolve "storage.kubescape.svc:$port:127.0.0.1" \
	"https://storage.kubescape.svc:$port/apis/$GROUP/v1beta1/namespaces/demo/vulnerabilitymanifests" \
	-o /dev/null -w '%{http_code}')
[[ $out == 401 ]] && ok "kso storage refuses a request that bypasses the aggregator (401)" ||
	bad "kso storage refuses a request that bypasses the aggregator (401)" "status $out"

# ---- RBAC is kube-apiserver's: a user without a role gets 403 ----
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=alice" \
	-keyout "$work/alice.key" -out "$work/alice.csr" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >"$work/alice.ext"
openssl x509 -req -in "$work/alice.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
	-days 30 -extfile "$work/alice.ext" -out "$work/alice.crt" 2>/dev/null
cp "$KUBECONFIG" "$work/alice.kubeconfig"
kubectl --kubeconfig "$work/alice.kubeconfig" config set-credentials alice \
	--client-certificate "$work/alice.crt" --client-key "$work/alice.key" >/dev/null
kubectl --kubeconfig "$work/alice.kubeconfig" config set-context --current --user alice >/dev/null
out=$(kubectl --kubeconfig "$work/alice.kubeconfig" get vulnerabilitymanifests -n demo 2>&1)
[[ $out == *Forbidden* && $out == *'User "alice" cannot list resource "vulnerabilitymanifests"'* ]] &&
	ok "user without a role: 403 Forbidden" || bad "user without a role: 403 Forbidden" "$out"
k create role vm-reader -n demo --verb=get,list,watch --resource=vulnerabilitymanifests.$GROUP >/dev/null
k create rolebinding alice-vm -n demo --role=vm-reader --user=alice >/dev/null
if eventually 10 kubectl --kubeconfig "$work/alice.kubeconfig" get vulnerabilitymanifests -n demo; then
	out=$(kubectl --kubeconfig "$work/alice.kubeconfig" get vulnerabilitymanifests -n demo -o name 2>&1 | sort)
	[[ $(wc -l <<<"$out") == 4 ]] && ok "user with a role lists the namespace" ||
		bad "user with a role lists the namespace" "$out"
else
	bad "user with a role lists the namespace" "still refused"
fi
out=$(kubectl --kubeconfig "$work/alice.kubeconfig" delete vulnerabilitymanifest nginx-1.25 -n demo 2>&1)
[[ $out == *Forbidden* ]] && ok "the role does not allow delete: 403" ||
	bad "the role does not allow delete: 403" "$out"
out=$(kubectl --kubeconfig "$work/alice.kubeconfig" get vulnerabilitymanifests -A 2>&1)
[[ $out == *Forbidden* ]] && ok "a namespaced role does not allow all namespaces: 403" ||
	bad "a namespaced role does not allow all namespaces: 403" "$out"

# ---- kso scan --submit-to-storage through the aggregator ----
examples=$here/../../examples
want=$("$kso" scan "$examples" -f k8s-objects 2>/dev/null |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(1 for i in d["items"] if i["kind"]=="WorkloadConfigurationScan"), len(d["items"]))')
read -r want_scans want_all <<<"$want"
out=$("$kso" scan "$examples" --submit-to-storage --kubeconfig "$KUBECONFIG" -f json \
	-o "$work/report.json" 2>&1)
got=$(k get workloadconfigurationscans -A -o name 2>&1 | wc -l)
[[ $out == *"submitted $want_all objects to storage ($want_all created, 0 updated)"* &&
	$got == "$want_scans" && $want_scans -gt 0 ]] &&
	ok "scan --submit-to-storage: $want_all objects created, $got WorkloadConfigurationScans listed" ||
	bad "scan --submit-to-storage" "$out" "listed $got, wanted $want_scans"
out=$("$kso" scan "$examples" --submit-to-storage --kubeconfig "$KUBECONFIG" -f json \
	-o "$work/report2.json" 2>&1)
[[ $out == *"($want_all updated"* || $out == *"(0 created, $want_all updated)"* ]] &&
	ok "a second submission updates them" || bad "a second submission updates them" "$out"
out=$(k get workloadconfigurationscansummaries -A -o jsonpath='{.items[0].metadata.labels}' 2>&1)
[[ $out == *kubescape.io/workload-kind* ]] && ok "summaries carry the workload labels" ||
	bad "summaries carry the workload labels" "$out"
"$kso" scan "$examples" --submit-to-storage --kubeconfig "$work/alice.kubeconfig" -f json \
	-o "$work/report3.json" >"$work/alice-submit.out" 2>&1
st=$?
out=$(cat "$work/alice-submit.out")
[[ $st == 3 && $out == *"403 Forbidden"* ]] &&
	ok "submission without RBAC fails with kube-apiserver's 403 (exit 3)" ||
	bad "submission without RBAC fails with kube-apiserver's 403 (exit 3)" "exit $st: $out"

# ---- namespace deletion with storage objects in it ----
if k delete namespace demo --timeout=90s >/dev/null 2>&1 &&
	eventually 60 bash -c "! kubectl get namespace demo"; then
	ok "namespace holding storage objects deleted"
else
	bad "namespace holding storage objects deleted" \
		"$(k get namespace demo -o jsonpath='{.status.conditions}' 2>&1)"
fi
out=$(curl -s --cacert "$pki/test-ca.crt" --cert "$pki/front-proxy-client.crt" \
	--key "$pki/front-proxy-client.key" -H "X-Remote-User: system:admin" \
	-H "X-Remote-Group: system:masters" \
	"https://127.0.0.1:$port/apis/$GROUP/v1beta1/namespaces/demo/vulnerabilitymanifests")
n=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))' <<<"$out" 2>&1)
[[ $n == 0 ]] && ok "its objects are gone from storage" || bad "its objects are gone from storage" "$out"

# kube-controller-manager's metadata informers (garbage collector, quota)
# list and watch every resource of the group through the aggregator; none
# of their watch events may fail to decode.
out=$(grep -E "unable to decode.*$GROUP|$GROUP.*unable to decode" \
	"$work/cp/logs/kube-controller-manager.log" | head -n 3)
[[ -z $out ]] && ok "kube-controller-manager's metadata watches decode every event" ||
	bad "kube-controller-manager's metadata watches decode every event" "$out"

echo "aggregator: $failures failed"
exit $((failures > 0))
