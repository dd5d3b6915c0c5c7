#!/usr/bin/env bats
# kso up / kso down: standalone storage with the examples scanned into it,
# read back with kubectl; a second up refuses while one runs; down stops it
# and a later up finds the stored results again.

setup_file() {
    : "${KSO:?KSO must point at the kso binary}"
    export UPDIR="$BATS_FILE_TMPDIR/kso"
    export EX="$BATS_TEST_DIRNAME/../../examples"
}

teardown_file() {
    "$KSO" down --dir "$UPDIR" >/dev/null 2>&1 || true
}

@test "up scans the examples into storage and prints the next step" {
    run "$KSO" up --detach --dir "$UPDIR" "$EX"
    [ "$status" -eq 0 ]
    [[ "$output" == *"stored 16 WorkloadConfigurationScans and 16 summaries"* ]]
    [[ "$output" == *"kubectl --kubeconfig $UPDIR/kubeconfig get workloadconfigurationscans -A"* ]]
    [ -f "$UPDIR/kubeconfig" ]
    [ -f "$UPDIR/pki/ca.crt" ]
    [ "$(stat -c %a "$UPDIR/pki/ca.key")" = 600 ]
}

@test "kubectl reads the stored scans, summaries and computed summaries" {
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    export KUBECONFIG="$UPDIR/kubeconfig"
    run kubectl get workloadconfigurationscans -A --no-headers
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | wc -l)" -eq 16 ]
    [[ "$output" == *"deployment-storefront"* ]]
    run kubectl get workloadconfigurationscansummaries -n shop deployment-storefront \
        -o jsonpath='{.spec.severities}'
    [ "$status" -eq 0 ]
    [[ "$output" == *'"critical"'* ]]
    # a scan carries its controls with statuses
    run kubectl get workloadconfigurationscans -n shop deployment-storefront \
        -o jsonpath='{.spec.controls.C-0017.status.status}'
    [ "$status" -eq 0 ]
    [[ "$output" == "failed" || "$output" == "passed" ]]
    run kubectl get configurationscansummaries -o name
    [ "$status" -eq 0 ]
    [[ "$output" == *"/shop"* && "$output" == *"/ops"* ]]
}

@test "a second up refuses while the first runs; down stops it" {
    run "$KSO" up --detach --dir "$UPDIR" --no-scan
    [ "$status" -eq 1 ]
    [[ "$output" == *"already running"* ]]
    run "$KSO" down --dir "$UPDIR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"stopped"* ]]
    run "$KSO" down --dir "$UPDIR"
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing running"* ]]
}

@test "the store keeps the results across a restart" {
    command -v kubectl >/dev/null || skip "kubectl is not installed"
    run "$KSO" up --detach --dir "$UPDIR" --no-scan
    [ "$status" -eq 0 ]
    run kubectl --kubeconfig "$UPDIR/kubeconfig" get workloadconfigurationscans -A --no-headers
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | wc -l)" -eq 16 ]
    "$KSO" down --dir "$UPDIR"
}

@test "up refuses bad flags" {
    run "$KSO" up --port 99999
    [ "$status" -eq 2 ]
    run "$KSO" down extra
    [ "$status" -eq 2 ]
}
