#!/usr/bin/env bats
# kso scan and kso library end to end: frameworks and controls, inputs from
# files, directories and stdin, exceptions, thresholds and exit codes, every
# output format, libraries in both layouts. $KSO is the binary under test.

setup() {
    : "${KSO:?KSO must point at the kso binary}"
    TMP=$(mktemp -d)
    EX="$BATS_TEST_DIRNAME/../../examples"
    cat > "$TMP/priv.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: priv
  namespace: team-a
spec:
  containers:
    - name: c
      image: nginx:1.25
      securityContext:
        privileged: true
---
apiVersion: v1
kind: Pod
metadata:
  name: calm
  namespace: team-b
spec:
  containers:
    - name: c
      image: nginx:1.25
EOF
}

teardown() {
    rm -rf "$TMP"
}

# status of control $2 for the resource whose ID ends with $3, in report $1
status_of() {
    python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for res in r.get("results", []):
    if res["resourceID"].endswith(sys.argv[3]):
        for c in res["controls"]:
            if c["controlID"] == sys.argv[2]:
                s = c["status"]
                print(s.get("status", "") + ("/" + s["subStatus"] if s.get("subStatus") else ""))
EOF
}

# A kubeconfig whose server nothing listens on.
dead_kubeconfig() {
    cat > "$1" <<'EOF2'
current-context: x
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
EOF2
}

@test "framework scan finds the privileged pod and passes the other" {
    run "$KSO" scan framework nsa "$TMP/priv.yaml" --format json --output "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ "$(status_of "$TMP/r.json" C-0057 Pod/priv)" = "failed" ]
    [ "$(status_of "$TMP/r.json" C-0057 Pod/calm)" = "passed" ]
    python3 -c "
import json; r = json.load(open('$TMP/r.json')); sd = r['summaryDetails']
assert [f['name'] for f in sd['frameworks']] == ['NSA'], sd['frameworks']
assert sd['controls']['C-0057']['ResourceCounters']['failedResources'] == 1
assert r['resources'] and all('object' in x for x in r['resources'])"
}

@test "file resources carry upstream's path-hashed IDs and sources" {
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --format json --output "$TMP/r.json"
    [ "$status" -eq 0 ]
    run python3 -c "
import json; r = json.load(open('$TMP/r.json'))
ids = sorted(x['resourceID'] for x in r['results'])
print(ids)
assert all(i.startswith('path=') and '/api=/v1/team-' in i for i in ids), ids
src = r['resources'][0]['source']
assert src['relativePath'] == 'priv.yaml' and src['fileType'] == 'YAML', src"
    [ "$status" -eq 0 ]
}

@test "control scan reports only the named controls" {
    run "$KSO" scan control C-0057,c-0013 "$TMP/priv.yaml" -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    run python3 -c "
import json; r = json.load(open('$TMP/r.json'))
print(sorted(r['summaryDetails']['controls']))"
    [ "$output" = "['C-0013', 'C-0057']" ]
}

@test "an unknown framework or control is a usage error" {
    run "$KSO" scan framework nosuch "$TMP/priv.yaml"
    [ "$status" -eq 2 ]
    [[ "$output" == *"framework nosuch is not in the control library"* ]]
    [[ "$output" == *"NSA"* ]]
    run "$KSO" scan control C-9999 "$TMP/priv.yaml"
    [ "$status" -eq 2 ]
    [[ "$output" == *"control C-9999 is not in the control library"* ]]
}

@test "missing input and malformed YAML are input errors with a position" {
    run "$KSO" scan "$TMP/none.yaml"
    [ "$status" -eq 3 ]
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: [\n' > "$TMP/bad.yaml"
    run "$KSO" scan "$TMP/bad.yaml"
    [ "$status" -eq 3 ]
    [[ "$output" == *"bad.yaml:"* ]]
}

@test "a bad file inside a directory is skipped and reported, the rest scanned" {
    mkdir "$TMP/d"
    cp "$TMP/priv.yaml" "$TMP/d/"
    printf 'kind: [\n' > "$TMP/d/broken.yaml"
    run "$KSO" scan framework nsa "$TMP/d" -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ "$(status_of "$TMP/r.json" C-0057 Pod/priv)" = "failed" ]
    python3 -c "
import json; r = json.load(open('$TMP/r.json'))
sk = r['skippedManifests']
assert len(sk) == 1 and sk[0]['path'].endswith('broken.yaml'), sk"
}

@test "stdin, kind List and typed lists are scanned" {
    python3 -c "
import json
pod = {'apiVersion': 'v1', 'kind': 'Pod', 'metadata': {'name': 'p%d', 'namespace': 'n'},
       'spec': {'containers': [{'name': 'c', 'image': 'x', 'securityContext': {'privileged': True}}]}}
items = []
for i in range(3):
    p = json.loads(json.dumps(pod)); p['metadata']['name'] = 'p%d' % i; items.append(p)
print(json.dumps({'apiVersion': 'v1', 'kind': 'List', 'items': items}))" > "$TMP/list.json"
    run bash -c "'$KSO' scan control C-0057 - -f json < '$TMP/list.json' > '$TMP/r.json'"
    [ "$status" -eq 0 ]
    run python3 -c "
import json; r = json.load(open('$TMP/r.json'))
print(r['summaryDetails']['controls']['C-0057']['ResourceCounters']['failedResources'])"
    [ "$output" = "3" ]
}

@test "namespace filters" {
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --include-namespaces team-b -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ -z "$(status_of "$TMP/r.json" C-0057 Pod/priv)" ]
    [ "$(status_of "$TMP/r.json" C-0057 Pod/calm)" = "passed" ]
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --exclude-namespaces team-b -f json -o "$TMP/r.json"
    [ "$(status_of "$TMP/r.json" C-0057 Pod/priv)" = "failed" ]
    [ -z "$(status_of "$TMP/r.json" C-0057 Pod/calm)" ]
}

@test "an exception file turns a failure into passed w/exceptions" {
    cat > "$TMP/exc.json" <<'EOF'
[{"name": "priv-ok", "policyType": "postureExceptionPolicy", "actions": ["alertOnly"],
  "resources": [{"designatorType": "Attributes", "attributes": {"kind": "Pod", "name": "priv"}}],
  "posturePolicies": [{"controlID": "C-0057"}]}]
EOF
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --exceptions "$TMP/exc.json" -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ "$(status_of "$TMP/r.json" C-0057 Pod/priv)" = "passed/w/exceptions" ]
    echo '{"not": "an array"}' > "$TMP/bad.json"
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --exceptions "$TMP/bad.json"
    [ "$status" -eq 3 ]
    [[ "$output" == *"exceptions must be a JSON array"* ]]
}

@test "the kubescape.io/skip-controls annotation exempts a resource" {
    python3 - "$TMP/priv.yaml" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().replace("  name: priv\n", "  name: priv\n  annotations:\n    kubescape.io/skip-controls: C-0057\n    kubescape.io/skip-reason: lab machine\n", 1)
open(p, "w").write(s)
EOF
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ "$(status_of "$TMP/r.json" C-0057 Pod/priv)" = "passed/w/exceptions" ]
}

@test "thresholds set the exit code" {
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --compliance-threshold 60 -f json -o "$TMP/r.json"
    [ "$status" -eq 1 ]
    [[ "$output" == *"below the threshold"* ]]
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --compliance-threshold 40 -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --severity-threshold high -f json -o "$TMP/r.json"
    [ "$status" -eq 1 ]
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --severity-threshold critical -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    run "$KSO" scan control C-0057 "$TMP/priv.yaml" --severity-threshold extreme
    [ "$status" -eq 2 ]
}

@test "control inputs from --controls-config reach the rules" {
    cat > "$TMP/reg.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: n
spec:
  containers:
    - name: c
      image: quay.io/team/app:1.0
EOF
    run "$KSO" scan control C-0078 "$TMP/reg.yaml" -f json -o "$TMP/r.json"
    [ "$(status_of "$TMP/r.json" C-0078 Pod/p)" = "skipped/configuration" ]
    echo '{"imageRepositoryAllowList": ["registry.example.com/"]}' > "$TMP/inputs.json"
    run "$KSO" scan control C-0078 "$TMP/reg.yaml" --controls-config "$TMP/inputs.json" -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ "$(status_of "$TMP/r.json" C-0078 Pod/p)" = "failed" ]
}

@test "every output format renders the example scan" {
    for f in pretty-printer junit sarif prometheus html k8s-objects; do
        run "$KSO" scan framework nsa,mitre "$EX" --format "$f" --output "$TMP/out.$f"
        [ "$status" -eq 0 ]
        [ -s "$TMP/out.$f" ]
    done
    grep -q 'Controls' "$TMP/out.pretty-printer"
    grep -q '<testsuites' "$TMP/out.junit"
    grep -q '"version": *"2.1.0"' "$TMP/out.sarif"
    grep -q '^# HELP kubescape_' "$TMP/out.prometheus"
    grep -q '<html' "$TMP/out.html"
    grep -q 'WorkloadConfigurationScanSummary' "$TMP/out.k8s-objects"
    run "$KSO" scan "$EX" --format yaml
    [ "$status" -eq 2 ]
}

@test "library export round-trips: the same scan from the exported artifacts" {
    run "$KSO" library export --version v1.2.3 "$TMP/art"
    [ "$status" -eq 0 ]
    for f in frameworks.json controls.json rules.json default_config_inputs.json controls-inputs.json \
        exceptions.json attack_tracks.json nsa.json mitre.json allcontrols.json FWName_CID_CName.csv; do
        [ -f "$TMP/art/$f" ]
    done
    grep -q '"version": "v1.2.3"' "$TMP/art/nsa.json"
    "$KSO" scan framework nsa,mitre "$EX" -f json -o "$TMP/a.json" --omit-raw-resources
    "$KSO" scan framework nsa,mitre "$EX" -f json -o "$TMP/b.json" --omit-raw-resources \
        --use-artifacts-from "$TMP/art"
    "$KSO" scan framework nsa "$EX" -f json -o "$TMP/c.json" --omit-raw-resources \
        --use-from "$TMP/art/nsa.json"
    run python3 -c "
import json
a, b, c = (json.load(open('$TMP/%s.json' % n)) for n in 'abc')
strip = lambda r: (r['summaryDetails']['controls'], r['results'])
assert strip(a) == strip(b)
assert c['summaryDetails']['frameworks'][0]['controls'] == a['summaryDetails']['frameworks'][1]['controls'] or \
       c['summaryDetails']['frameworks'][0]['controls'] == a['summaryDetails']['frameworks'][0]['controls']
print('same')"
    [ "$status" -eq 0 ]
    [ "$output" = "same" ]
}

@test "library test runs rule cases and catches a wrong expectation" {
    lib="$BATS_TEST_DIRNAME/../../policies"
    run "$KSO" library test --rule rule-privilege-escalation "$lib"
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 unexpected failures"* ]]
    mkdir -p "$TMP/lib/rules"
    cp "$lib/default-config-inputs.json" "$TMP/lib/"
    cp -r "$lib/rules/rule-privilege-escalation" "$TMP/lib/rules/"
    sed -i 's/"alertScore": *[0-9]*/"alertScore": 99/' "$TMP"/lib/rules/rule-privilege-escalation/test/*/expected.json
    run "$KSO" library test "$TMP/lib"
    [ "$status" -eq 1 ]
    [[ "$output" == *"FAIL  rule-privilege-escalation/"* ]]
}

@test "library list names frameworks and controls" {
    run "$KSO" library list
    [ "$status" -eq 0 ]
    [[ "$output" == *"NSA"* ]]
    [[ "$output" == *"C-0057   Privileged container"* ]]
}

@test "--submit-to-storage: its flags, and a cluster that cannot be reached" {
    run "$KSO" scan "$TMP/priv.yaml" --kubeconfig /nonexistent
    [ "$status" -eq 2 ]
    [[ "$output" == *"--kubeconfig is for a cluster: scan without PATHS, or submit with --submit-to-storage"* ]]
    run "$KSO" scan "$TMP/priv.yaml" --storage-namespace x
    [ "$status" -eq 2 ]
    [[ "$output" == *"--storage-namespace needs --submit-to-storage"* ]]
    run "$KSO" scan "$TMP/priv.yaml" --cluster-name x
    [ "$status" -eq 2 ]
    [[ "$output" == *"--cluster-name is for a cluster"* ]]
    run "$KSO" scan "$TMP/priv.yaml" --submit-to-storage --kubeconfig "$TMP/none"
    [ "$status" -eq 3 ]
    [[ "$output" == *"$TMP/none: cannot open"* ]]
    dead_kubeconfig "$TMP/kc"
    run "$KSO" scan "$TMP/priv.yaml" --submit-to-storage --kubeconfig "$TMP/kc" -f json -o "$TMP/r.json"
    [ "$status" -eq 3 ]
    [[ "$output" == *"PATCH https://127.0.0.1:1/apis/spdx.softwarecomposition.kubescape.io/v1beta1/namespaces/team-"* ]]
    [[ "$output" == *"Couldn't connect"* ]]
    # the report was written before the submission was tried
    [ -s "$TMP/r.json" ]
    run "$KSO" scan "$TMP/priv.yaml" --submit-to-storage --kubeconfig "$TMP/kc" --context nope
    [ "$status" -eq 3 ]
    [[ "$output" == *'no context named "nope"'* ]]
}

@test "-o into a FIFO or device writes into it and leaves it in place" {
    mkfifo "$TMP/fifo"
    for f in json sarif; do
        timeout 20 cat "$TMP/fifo" > "$TMP/out.$f" &
        run "$KSO" scan "$TMP/priv.yaml" -f "$f" -o "$TMP/fifo"
        [ "$status" -eq 0 ]
        wait
        [ -p "$TMP/fifo" ]
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out.$f"
    done
    ! ls "$TMP"/fifo.tmp.* 2>/dev/null
}

@test "a live scan (no paths) of a cluster that cannot be reached, or no cluster at all" {
    dead_kubeconfig "$TMP/kc"
    run "$KSO" scan --kubeconfig "$TMP/kc" -f json -o "$TMP/live.json"
    [ "$status" -eq 3 ]
    [[ "$output" == *"GET https://127.0.0.1:1/api"* ]]
    [[ "$output" == *"Couldn't connect"* ]]
    # nothing is written when the cluster could not be read
    [ ! -e "$TMP/live.json" ]
    run "$KSO" scan --kube-context nope --kubeconfig "$TMP/kc"
    [ "$status" -eq 3 ]
    [[ "$output" == *'no context named "nope"'* ]]
    # no kubeconfig and not in a pod
    run env -u KUBECONFIG -u KUBERNETES_SERVICE_HOST HOME="$TMP/nohome" "$KSO" scan
    [ "$status" -eq 3 ]
    [[ "$output" == *"kubeconfig"* ]]
    run "$KSO" scan --fail-coverage-below 101 --kubeconfig "$TMP/kc"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--fail-coverage-below must be a number from 0 to 100"* ]]
}

@test "a RoleBinding's Role is the one in its own namespace (no pairing across namespaces)" {
    cat > "$TMP/rbac.yaml" <<'EOF2'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: a}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: b}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: a}
subjects: [{kind: ServiceAccount, name: app, namespace: a}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
EOF2
    run "$KSO" scan control C-0015 "$TMP/rbac.yaml" -f json -o "$TMP/r.json"
    [ "$status" -eq 0 ]
    # one subject vector (a's binding with a's Role), which may not list Secrets
    run python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
ids = [x["resourceID"] for x in r["results"] if "ServiceAccount/app" in x["resourceID"]]
print(len(ids), "/a/Role/reader" in ids[0], r["summaryDetails"]["controls"]["C-0015"]["status"])' "$TMP/r.json"
    [ "$output" = "1 True passed" ]
}
