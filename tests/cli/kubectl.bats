#!/usr/bin/env bats
# Real kubectl against `kso storage` (through `kso up`, which gives it a CA,
# client certificates and a kubeconfig): discovery, explain, get in every
# output form with selectors and chunking, watch, create, apply (client and
# server side), replace, the three patch types, label, annotate, delete,
# for namespaced, cluster-scoped and computed kinds. Outputs are compared
# with golden files after masking what changes between runs (times, uids,
# resourceVersions, checksums). KSO_UPDATE_GOLDEN=1 rewrites the goldens.

setup_file() {
    : "${KSO:?KSO must point at the kso binary}"
    if ! command -v kubectl >/dev/null; then
        skip "kubectl is not installed"
    fi
    export KDIR="$BATS_FILE_TMPDIR/kso"
    "$KSO" up --detach --no-scan --dir "$KDIR" >"$BATS_FILE_TMPDIR/up.log" 2>&1 || {
        cat "$BATS_FILE_TMPDIR/up.log" "$KDIR/kso.log" >&3
        return 1
    }
    export KUBECONFIG="$KDIR/kubeconfig"
}

teardown_file() {
    [[ -n ${KDIR:-} ]] && "$KSO" down --dir "$KDIR" >/dev/null 2>&1 || true
}

setup() {
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    GOLD="$BATS_TEST_DIRNAME/golden/kubectl"
    R=workloadconfigurationscansummaries
    export KUBECONFIG="$BATS_FILE_TMPDIR/kso/kubeconfig"
}

# Masks what differs between runs.
norm() {
    sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<TIME>/g' \
        -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<UID>/g' \
        -e 's/[0-9a-f]{64}/<SUM>/g' \
        -e 's/(resourceVersion"?: ?)"[0-9]+"/\1"<RV>"/g' \
        -e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:<PORT>/g'
}

# golden NAME: compares stdin (masked) with golden/kubectl/NAME.txt.
golden() {
    local got="$BATS_TEST_TMPDIR/$1.got"
    norm >"$got"
    if [[ -n ${KSO_UPDATE_GOLDEN:-} ]]; then
        cp "$got" "$GOLD/$1.txt"
    fi
    diff -u "$GOLD/$1.txt" "$got"
}

wcss() { # name app critical
    cat <<EOF
apiVersion: spdx.softwarecomposition.kubescape.io/v1beta1
kind: WorkloadConfigurationScanSummary
metadata:
  name: $1
  namespace: shop
  labels:
    app: $2
    kubescape.io/workload-kind: Deployment
spec:
  severities: {critical: $3, high: 1, medium: 0, low: 0, unknown: 0}
  controls:
    C-0017:
      controlID: C-0017
      severity: {severity: Low, scoreFactor: 3}
      status: {status: failed, subStatus: "", info: ""}
EOF
}

@test "discovery: api-resources, api-versions, explain" {
    kubectl api-resources --api-group=spdx.softwarecomposition.kubescape.io | golden api-resources
    kubectl api-versions | golden api-versions
    kubectl explain workloadconfigurationscansummaries.spec | golden explain-spec
    kubectl explain workloadconfigurationscans.spec.controls.rules.paths | golden explain-paths
}

@test "create, and the errors of a duplicate and of a missing object" {
    wcss web web 1 | kubectl create -f - | golden create
    run kubectl create -f - <<<"$(wcss web web 1)"
    [ "$status" -ne 0 ]
    echo "$output" | golden create-duplicate
    run kubectl get $R -n shop nosuch
    [ "$status" -ne 0 ]
    echo "$output" | golden get-missing
}

@test "get: table, wide, json, yaml, list yaml" {
    wcss api api 2 | kubectl create -f - >/dev/null
    wcss db db 3 | kubectl create -f - >/dev/null
    kubectl get $R -A | golden get-table
    kubectl get $R -n shop -o wide | golden get-wide
    kubectl get $R -n shop web -o json | golden get-json
    kubectl get $R -n shop web -o yaml | golden get-yaml
    kubectl get $R -n shop -o yaml | golden get-list-yaml
    kubectl get $R -n shop -o name | golden get-name
}

@test "get: label and field selectors, chunking" {
    kubectl get $R -A -l app=api | golden get-label
    kubectl get $R -A -l 'app in (api,db),app!=db' -o name | golden get-label-set
    kubectl get $R -A -l app=none 2>&1 | golden get-label-none
    kubectl get $R -A --field-selector metadata.name=db -o name | golden get-field
    kubectl get $R -A --field-selector metadata.namespace!=shop 2>&1 | golden get-field-none
    run kubectl get $R -A --field-selector spec.x=1
    [ "$status" -ne 0 ]
    echo "$output" | golden get-field-unsupported
    kubectl get $R -A --chunk-size=1 -o name | golden get-chunked
    kubectl get $R -A --chunk-size=1 -v=6 2>&1 | grep -c 'continue=' | golden get-chunked-requests
}

@test "label, annotate, patch (merge, json, strategic)" {
    kubectl label $R -n shop web tier=front | golden label
    kubectl annotate $R -n shop web note=hello | golden annotate
    run kubectl label $R -n shop web tier=back
    [ "$status" -ne 0 ]
    kubectl label $R -n shop web tier=back --overwrite >/dev/null
    kubectl patch $R -n shop web --type=merge -p '{"spec":{"severities":{"low":5}}}' | golden patch-merge
    kubectl patch $R -n shop web --type=json \
        -p '[{"op":"replace","path":"/spec/severities/medium","value":3}]' | golden patch-json
    kubectl patch $R -n shop web -p '{"spec":{"severities":{"unknown":9}}}' | golden patch-strategic
    kubectl get $R -n shop web -o jsonpath='{.metadata.labels.tier} {.metadata.annotations.note} {.spec.severities}' | golden patched
    run kubectl patch $R -n shop web --type=json -p '[{"op":"test","path":"/spec/severities/low","value":4}]'
    [ "$status" -ne 0 ]
}

@test "apply (client side and server side) and replace" {
    wcss cache cache 1 >"$BATS_TEST_TMPDIR/c.yaml"
    kubectl apply -f "$BATS_TEST_TMPDIR/c.yaml" | golden apply-create
    sed -i 's/critical: 1/critical: 4/' "$BATS_TEST_TMPDIR/c.yaml"
    kubectl apply -f "$BATS_TEST_TMPDIR/c.yaml" | golden apply-configure
    kubectl apply -f "$BATS_TEST_TMPDIR/c.yaml" | golden apply-unchanged
    sed -i 's/critical: 4/critical: 6/' "$BATS_TEST_TMPDIR/c.yaml"
    kubectl apply --server-side -f "$BATS_TEST_TMPDIR/c.yaml" | golden apply-server-side
    kubectl get $R -n shop cache -o jsonpath='{.spec.severities.critical}' | golden applied
    # replace as `kubectl edit` does, then the same stale object again: 409
    kubectl get $R -n shop cache -o yaml >"$BATS_TEST_TMPDIR/cur.yaml"
    sed -i 's/critical: 6/critical: 7/' "$BATS_TEST_TMPDIR/cur.yaml"
    kubectl replace -f "$BATS_TEST_TMPDIR/cur.yaml" | golden replace
    run kubectl replace -f "$BATS_TEST_TMPDIR/cur.yaml"
    [ "$status" -ne 0 ]
    echo "$output" | sed "s|$BATS_TEST_TMPDIR/||" | golden replace-stale
}

@test "unknown fields: Strict refuses, Warn warns and drops" {
    wcss strict strict 1 | sed 's/^spec:/spec:\n  bogus: 1/' >"$BATS_TEST_TMPDIR/s.yaml"
    run kubectl create -f "$BATS_TEST_TMPDIR/s.yaml"
    [ "$status" -ne 0 ]
    echo "$output" | sed "s|$BATS_TEST_TMPDIR/||" | golden unknown-strict
    kubectl create --validate=warn -f "$BATS_TEST_TMPDIR/s.yaml" 2>&1 | golden unknown-warn
    run kubectl get $R -n shop strict -o jsonpath='{.spec.bogus}'
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "watch sees creates, updates and deletes" {
    kubectl get $R -n shop -w --output-watch-events >"$BATS_TEST_TMPDIR/w.out" 2>&1 &
    local pid=$!
    sleep 1
    wcss watched w 1 | kubectl create -f - >/dev/null
    kubectl label $R -n shop watched seen=yes >/dev/null
    kubectl delete $R -n shop watched >/dev/null
    for _ in $(seq 50); do
        grep -q DELETED "$BATS_TEST_TMPDIR/w.out" && break
        sleep 0.1
    done
    kill $pid
    # the initial listing, then the events of the object
    golden watch <"$BATS_TEST_TMPDIR/w.out"
}

@test "cluster-scoped kinds: create, get, delete" {
    kubectl apply -f - <<'EOF' | golden ks-apply
apiVersion: spdx.softwarecomposition.kubescape.io/v1beta1
kind: KnownServer
metadata:
  name: dns-servers
spec:
- {ipBlock: 10.0.0.0/8, server: corp-dns, name: dns}
EOF
    kubectl get knownservers | golden ks-get
    kubectl get knownservers dns-servers -o yaml | golden ks-yaml
    run kubectl create -n shop -f - <<'EOF'
apiVersion: spdx.softwarecomposition.kubescape.io/v1beta1
kind: CollapseConfiguration
metadata:
  name: default
spec:
  collapseConfigs: [{prefix: etc, threshold: 5}]
EOF
    [ "$status" -ne 0 ]
    echo "$output" | golden collapse-invalid
    kubectl delete knownservers dns-servers | golden ks-delete
}

@test "computed summaries sum the namespace's summaries" {
    kubectl get configurationscansummaries | golden css-table
    kubectl get configurationscansummaries shop -o json | golden css-json
}

@test "delete and delete --all" {
    kubectl delete $R -n shop web | golden delete
    kubectl delete $R -n shop --all | golden delete-all
    kubectl get $R -A 2>&1 | golden get-empty
    run kubectl get configurationscansummaries shop
    [ "$status" -ne 0 ]
}
