#!/usr/bin/env bash
# Live-cluster posture scans against a real control plane: realistic
# workloads (tests/kube/live/) created in kube-apiserver are scanned from
# the cluster and from the same files, with the same results; the results
# are stored through the aggregator and read with kubectl; a service
# account that may not list Secrets gets the Secret-dependent control
# reported not evaluated, never passed; a namespace filter and a partial
# permission are honoured; host data is read from node-agent's CRs.
#
#   tests/kube/live_scan.sh KSO [--keep]
set -uo pipefail
kso=$(realpath "${1:?usage: live_scan.sh KSO [--keep]}")
keep=${2:-}
name=live-scan
# shellcheck source=tests/kube/lib.sh
source "$(dirname "$0")/lib.sh"
compare=$here/live_compare.py
FW=AllControls,NSA,MITRE

kube_up
storage_up "$kso"

# ---- the workloads, in the cluster and as files ----
if out=$(k apply -f "$here/live/" 2>&1); then
	ok "workloads created ($(grep -c -E 'created|configured' <<<"$out") objects)"
else
	bad "workloads created" "$out"
	exit 1
fi
# kube-controller-manager makes the workloads' pods (they stay Pending: no
# kubelet); scans wait for all of them, so that every scan sees the same
# cluster: 2 ledger-api, 3 etl-worker, 2 proxy, warehouse-0 (the DaemonSet
# has no node to run on; Pod Security admission refuses the migration Job's
# pod in the restricted payments namespace).
if eventually 90 bash -c '[[ $(kubectl get pods -A --no-headers 2>/dev/null | wc -l) == 8 ]]'; then
	ok "the controllers made the workloads' 8 pods"
else
	bad "the controllers made the workloads' 8 pods" "$(k get pods -A 2>&1)"
fi
# The files must hold what the cluster holds: the cluster's bootstrap RBAC
# (rules read bindings to groups such as system:serviceaccounts) goes with
# them.
mkdir -p "$work/files"
cp "$here"/live/*.yaml "$work/files/"
k get clusterroles,clusterrolebindings,roles,rolebindings -A \
	-l kubernetes.io/bootstrapping=rbac-defaults -o yaml >"$work/files/90-bootstrap-rbac.yaml"

# ---- the same results from the cluster as from the files ----
"$kso" scan framework $FW "$work/files" -f json -o "$work/files.json" 2>"$work/files.err" ||
	bad "file scan" "$(cat "$work/files.err")"
"$kso" scan framework $FW -f json -o "$work/live.json" 2>"$work/live.err"
st=$?
out=$(cat "$work/live.err")
[[ $st == 0 && $out == *"kso scan: collected "*" objects of "*" resource types in "*" namespaces"* ]] &&
	ok "live scan: ${out##*kso scan: collected }" || bad "live scan (exit $st)" "$out"
if out=$(python3 "$compare" same "$work/files.json" "$work/live.json" 2>&1); then
	ok "live scan equals the file scan:${out##*$'\n'}"
else
	bad "live scan equals the file scan" "$out"
fi
out=$(python3 - "$work/live.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
kinds = {x["object"]["kind"] for x in r["resources"] if "metadata" in x["object"]}
# (Roles and ClusterRoles are reported through their bindings' subjects)
want = {"Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob", "RoleBinding",
        "ClusterRoleBinding", "Service", "NetworkPolicy", "ConfigMap", "Secret",
        "ServiceAccount", "Namespace", "Ingress", "HorizontalPodAutoscaler", "Pod"}
print(" ".join(sorted(want - kinds)) or "all")
print(r["clusterName"], r["metadata"]["scanMetadata"]["targetNames"],
      r["clusterAPIServerInfo"]["major"] + "." + r["clusterAPIServerInfo"]["minor"])
cov = r.get("scanCoverage", {})
print(" ".join(sorted(f["gvr"] for f in cov.get("failedGVRPulls", []))))
PY
)
missing=$(sed -n 1p <<<"$out")
[[ $missing == all ]] && ok "every kind of the workloads was collected" ||
	bad "every kind of the workloads was collected" "missing: $missing"
[[ $(sed -n 2p <<<"$out") == "kso-test ['AllControls', 'NSA', 'MITRE'] 1.37" ]] &&
	ok "the report names the kubeconfig's cluster, the frameworks and the server's version" ||
	bad "the report names the kubeconfig's cluster, the frameworks and the server's version" "$(sed -n 2p <<<"$out")"
# nothing but the node agents' host data is missing for the admin
failed=$(sed -n 3p <<<"$out")
[[ $failed != *" /"* && $failed != /* && $failed == *hostdata.kubescape.cloud* ]] &&
	ok "only the host data is reported not collected ($failed)" ||
	bad "only the host data is reported not collected" "$failed"

# ---- deterministic: a second scan of the same cluster, the same results ----
"$kso" scan framework $FW -f json -o "$work/live2.json" 2>/dev/null
out=$(python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
same = a["results"] == b["results"] and a["summaryDetails"] == b["summaryDetails"]
print(same, len(a["results"]))' "$work/live.json" "$work/live2.json")
[[ $out == True* ]] && ok "a second live scan gives the same results (${out#* } resources)" ||
	bad "a second live scan gives the same results" "$out"

# ---- namespace filters (objects; the subject vectors of cluster-wide
# bindings name the subjects' namespaces, as upstream's do) ----
"$kso" scan framework $FW --include-namespaces payments -f json -o "$work/payments.json" \
	2>"$work/payments.err"
out=$(python3 - "$work/payments.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ns = set()
for x in r["resources"]:
    o = x["object"]
    if o["kind"] == "Namespace":
        ns.add("Namespace:" + o["metadata"]["name"])
    elif o.get("metadata", {}).get("namespace"):
        ns.add(o["metadata"]["namespace"])
print(" ".join(sorted(ns)))
PY
)
[[ $out == "Namespace:payments payments" ]] && ok "--include-namespaces payments: only payments" ||
	bad "--include-namespaces payments: only payments" "$out"
"$kso" scan framework $FW --exclude-namespaces kube-system,kube-public,kube-node-lease,default,kubescape \
	-f json -o "$work/teams.json" 2>"$work/teams.err"
out=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(sorted({x["object"].get("metadata", {}).get("namespace", "")
                       for x in r["resources"]} - {""})))' \
	"$work/teams.json")
[[ $out == "analytics edge payments" ]] && ok "--exclude-namespaces leaves the three teams" ||
	bad "--exclude-namespaces leaves the three teams" "$out"

# ---- results stored through the aggregator, read with kubectl ----
out=$("$kso" scan framework $FW --submit-to-storage -f json -o "$work/submit.json" 2>&1)
st=$?
listed=$(k get workloadconfigurationscans -A --no-headers 2>&1)
if [[ $st == 0 && $out == *"submitted "*" objects to storage ("*" created, 0 updated)"* ]] &&
	grep -q "^payments .*deployment-ledger-api" <<<"$listed" &&
	grep -q "^edge .*daemonset-node-exporter" <<<"$listed"; then
	ok "live results stored: $(wc -l <<<"$listed") WorkloadConfigurationScans listed by kubectl"
else
	bad "live results stored and listed by kubectl" "exit $st: $out" "$(head -n 5 <<<"$listed")"
fi
out=$(k get workloadconfigurationscan -n payments deployment-ledger-api -o json 2>&1 |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(sorted(d["spec"]["controls"])[:3], len(d["spec"]["controls"]))' 2>&1)
[[ $out == *"C-00"* ]] && ok "a stored scan holds its controls: $out" ||
	bad "a stored scan holds its controls" "$out"

# ---- a service account that may not list Secrets ----
k create namespace kso-scan >/dev/null
k create serviceaccount scanner -n kso-scan >/dev/null
cat >"$work/scanner-rbac.yaml" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kso-scanner-no-secrets}
rules:
  - apiGroups: [""]
    resources: [pods, configmaps, serviceaccounts, services, namespaces, nodes,
                persistentvolumeclaims, replicationcontrollers]
    verbs: [get, list]
  - apiGroups: [apps, batch, networking.k8s.io, rbac.authorization.k8s.io, autoscaling,
                admissionregistration.k8s.io, policy]
    resources: ["*"]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kso-scanner-no-secrets}
subjects: [{kind: ServiceAccount, name: scanner, namespace: kso-scan}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kso-scanner-no-secrets}
YAML
k apply -f "$work/scanner-rbac.yaml" >/dev/null
token=$(k create token scanner -n kso-scan --duration=1h)
cp "$KUBECONFIG" "$work/scanner.kubeconfig"
kubectl --kubeconfig "$work/scanner.kubeconfig" config set-credentials scanner --token="$token" >/dev/null
kubectl --kubeconfig "$work/scanner.kubeconfig" config set-context --current --user scanner >/dev/null
eventually 10 bash -c "! kubectl --kubeconfig '$work/scanner.kubeconfig' get secrets -n payments" &&
	eventually 10 kubectl --kubeconfig "$work/scanner.kubeconfig" get pods -n payments
"$kso" scan framework $FW --kubeconfig "$work/scanner.kubeconfig" -f json -o "$work/restricted.json" \
	2>"$work/restricted.err"
st=$?
out=$(python3 - "$work/restricted.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cov = r["scanCoverage"]
sec = [f for f in cov.get("failedGVRPulls", []) if f["gvr"] == "/v1/secrets"]
print("403" in sec[0]["error"] and "forbidden" in sec[0]["error"] if sec else "no /v1/secrets failure")
c = r["summaryDetails"]["controls"]["C-0255"]
print(c["status"], c["statusInfo"].get("subStatus"), "/v1/secrets" in c["statusInfo"].get("info", ""))
ne = {n["controlID"]: n["missingGVRs"] for n in cov.get("notEvaluatedControls", [])}
print(ne.get("C-0255"))
# no resource may be reported passed for a not-evaluated control by the summary
print(sum(1 for x in r["resources"] if x["object"]["kind"] == "Secret"))
PY
)
[[ $st == 0 && $(sed -n 1p <<<"$out") == True ]] &&
	ok "restricted: the Secrets LIST is reported failed with kube-apiserver's 403" ||
	bad "restricted: the Secrets LIST is reported failed with kube-apiserver's 403" "exit $st" "$out" "$(cat "$work/restricted.err")"
[[ $(sed -n 2p <<<"$out") == "skipped notEvaluated True" && $(sed -n 3p <<<"$out") == "['/v1/secrets']" ]] &&
	ok "restricted: C-0255 (Workload with secret access) is not evaluated, not passed" ||
	bad "restricted: C-0255 (Workload with secret access) is not evaluated, not passed" "$out"
[[ $(sed -n 4p <<<"$out") == 0 ]] && ok "restricted: no Secret in the report" ||
	bad "restricted: no Secret in the report" "$out"
if out=$(python3 "$compare" same-except "$work/live.json" "$work/restricted.json" C-0255 2>&1); then
	ok "restricted: every other control as in the admin scan:${out##*$'\n'}"
else
	bad "restricted: every other control as in the admin scan" "$out"
fi
out=$(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["summaryDetails"]["controls"]["C-0255"]
print(c["status"], c["statusInfo"].get("subStatus", ""))' "$work/live.json")
[[ $out != "skipped notEvaluated" ]] && ok "admin: C-0255 evaluated ($out)" ||
	bad "admin: C-0255 evaluated" "$out"
err=$(cat "$work/restricted.err")
[[ $err == *"control(s) not evaluated"* ]] && ok "restricted: the summary on stderr says so" ||
	bad "restricted: the summary on stderr says so" "$err"
"$kso" scan control C-0255 --kubeconfig "$work/scanner.kubeconfig" >"$work/pretty.out" 2>&1
out=$(cat "$work/pretty.out")
[[ $out == *"Not evaluated: resources it needs could not be collected: /v1/secrets"* &&
	$out == *"Scan coverage: 0.00% (0 of 1 controls evaluated)"* &&
	$out == *"not collected: /v1/secrets: GET /api/v1/namespaces/"*"403 Forbidden"* ]] &&
	ok "restricted: the pretty-printer shows why" || bad "restricted: the pretty-printer shows why" "$out"
"$kso" scan control C-0255 --kubeconfig "$work/scanner.kubeconfig" --fail-coverage-below 100 \
	>/dev/null 2>"$work/cov.err"
st=$?
[[ $st == 1 && $(cat "$work/cov.err") == *"scan coverage "*" is below the threshold of 100.00%"* ]] &&
	ok "--fail-coverage-below 100: exit 1" || bad "--fail-coverage-below 100: exit 1" "exit $st" "$(cat "$work/cov.err")"

# ---- Secrets allowed in one namespace only: partial ----
k create role secret-reader -n payments --verb=get,list --resource=secrets >/dev/null
k create rolebinding scanner-secrets -n payments --role=secret-reader \
	--serviceaccount=kso-scan:scanner >/dev/null
eventually 10 kubectl --kubeconfig "$work/scanner.kubeconfig" get secrets -n payments
"$kso" scan control C-0255 --kubeconfig "$work/scanner.kubeconfig" -f json -o "$work/partial.json" \
	2>"$work/partial.err"
out=$(python3 - "$work/partial.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cov = r["scanCoverage"]
part = sorted(p["selector"] for p in cov.get("partialGVRPulls", []) if p["gvr"] == "/v1/secrets")
print(" ".join(part))
print(any(f["gvr"] == "/v1/secrets" for f in cov.get("failedGVRPulls", [])))
c = r["summaryDetails"]["controls"]["C-0255"]
print(c["status"], c["statusInfo"].get("subStatus", ""))
print(sum(1 for x in r["resources"] if x["object"]["kind"] == "Secret"), cov["coverageScore"] < 100,
      cov["degraded"])
PY
)
[[ $(sed -n 1p <<<"$out") == *"metadata.namespace=analytics"* && $(sed -n 1p <<<"$out") != *"=payments"* &&
	$(sed -n 2p <<<"$out") == False ]] &&
	ok "partial: Secrets refused in the other namespaces only ($(sed -n 1p <<<"$out" | wc -w) partial pulls)" ||
	bad "partial: Secrets refused in the other namespaces only" "$out"
# what it could read is evaluated: ledger-api mounts the ledger-db Secret,
# a failure that stands; the coverage says the scan was partial
[[ $(sed -n 3p <<<"$out") == "failed " && $(sed -n 4p <<<"$out") == "1 True True" ]] &&
	ok "partial: payments' Secret collected, C-0255 fails on it, coverage degraded" ||
	bad "partial: payments' Secret collected, C-0255 fails on it, coverage degraded" "$out"

# ---- a namespace's own service account: nothing cluster-wide ----
k create serviceaccount team -n payments >/dev/null
k create role team-reader -n payments --verb=get,list \
	--resource='*.,*.apps,*.batch,*.networking.k8s.io,*.rbac.authorization.k8s.io,*.autoscaling,*.policy' \
	>/dev/null
k create rolebinding team-reader -n payments --role=team-reader --serviceaccount=payments:team >/dev/null
cp "$KUBECONFIG" "$work/team.kubeconfig"
kubectl --kubeconfig "$work/team.kubeconfig" config set-credentials team \
	--token="$(k create token team -n payments --duration=1h)" >/dev/null
kubectl --kubeconfig "$work/team.kubeconfig" config set-context --current --user team >/dev/null
eventually 10 kubectl --kubeconfig "$work/team.kubeconfig" get deployments -n payments
"$kso" scan framework $FW --kubeconfig "$work/team.kubeconfig" --include-namespaces payments \
	-f json -o "$work/team.json" 2>"$work/team.err"
st=$?
team_summary=$(python3 - "$work/team.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cov = r["scanCoverage"]
failed = {f["gvr"] for f in cov.get("failedGVRPulls", [])}
ids = {x["object"]["kind"] + "/" + x["object"]["metadata"]["name"]
       for x in r["resources"] if "metadata" in x["object"]}
print("/v1/namespaces" in failed, "rbac.authorization.k8s.io/v1/clusterroles" in failed,
      "apps/v1/deployments" in failed, "Deployment/ledger-api" in ids, "Secret/ledger-db" in ids)
PY
)
[[ $st == 0 && $team_summary == "True True False True True" ]] &&
	ok "a namespace's own account, --include-namespaces: its objects scanned, cluster-wide types not collected" ||
	bad "a namespace's own account, --include-namespaces" "exit $st: $team_summary" "$(tail -n 3 "$work/team.err")"
"$kso" scan framework $FW --kubeconfig "$work/team.kubeconfig" -f json -o "$work/team-all.json" \
	2>"$work/team-all.err"
st=$?
out=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
failed = {f["gvr"]: f["error"] for f in r["scanCoverage"].get("failedGVRPulls", [])}
e = failed.get("apps/v1/deployments", "")
print("403" in e and "/apis/apps/v1/deployments?" in e, len(r["scanCoverage"].get("notEvaluatedControls", [])) > 20)' \
	"$work/team-all.json")
[[ $st == 0 && $out == "True True" && $(cat "$work/team-all.err") == *"namespaced types are listed cluster-wide"* ]] &&
	ok "the same account without a namespace list: cluster-wide LISTs refused, controls not evaluated" ||
	bad "the same account without a namespace list" "exit $st: $out" "$(tail -n 3 "$work/team-all.err")"

# ---- host data from the node agents' CRs ----
out=$(python3 -c '
import json, sys
cov = json.load(open(sys.argv[1]))["scanCoverage"]
print(" ".join(f["gvr"] + ": " + f["error"] for f in cov["failedGVRPulls"] if "kubeletinfos" in f["gvr"]))' \
	"$work/live.json")
[[ $out == *"kubeletinfos: not served by the cluster: the node agents that report host data (node-agent) are not deployed"* ]] &&
	ok "without node-agent's CRDs, host data is reported not collected" ||
	bad "without node-agent's CRDs, host data is reported not collected" "$out"
k apply -f "$here/host/00-crds-and-node.yaml" >/dev/null &&
	k wait --for=condition=Established crd --all --timeout=60s >/dev/null &&
	k apply -f "$here/host/10-kubeletinfo.yaml" >/dev/null ||
	bad "node-agent's CRDs, a Node and its KubeletInfo created"
"$kso" scan control C-0069,C-0070,C-0211 -f json -o "$work/host.json" 2>"$work/host.err"
out=$(python3 - "$work/host.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = r["summaryDetails"]["controls"]
print(c["C-0069"]["status"], c["C-0070"]["status"])
print(sorted(x["resourceID"] for x in r["resources"] if x["object"].get("kind") == "KubeletInfo"))
print(" ".join(f["gvr"] + ": " + f["error"] for f in r.get("scanCoverage", {}).get("failedGVRPulls", [])))
PY
)
[[ $(sed -n 1p <<<"$out") == "failed failed" &&
	$(sed -n 2p <<<"$out") == "['hostdata.kubescape.cloud/v1beta0/KubeletInfo/node-1']" ]] &&
	ok "node-1's KubeletInfo is read: anonymous kubelet access fails C-0069 and C-0070" ||
	bad "node-1's KubeletInfo is read: anonymous kubelet access fails C-0069 and C-0070" "$out" "$(cat "$work/host.err")"
[[ $(sed -n 3p <<<"$out") == "hostdata.kubescape.cloud/v1beta1/controlplaneinfos: the node agents reported no ControlPlaneInfo for 1 node(s)" ]] &&
	ok "a served kind with no CR for the cluster's node is reported not collected" ||
	bad "a served kind with no CR for the cluster's node is reported not collected" "$out"

echo "$name: $failures failed"
exit $((failures > 0))
