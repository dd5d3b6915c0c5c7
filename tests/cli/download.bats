#!/usr/bin/env bats
# kso library download and kso scan --download-artifacts against a loopback
# stand-in for the regolibrary releases (release_server.py) serving libraries
# exported by kso itself, plain and over TLS, directly and through a loopback
# forwarding proxy (forward_proxy.py). No traffic leaves 127.0.0.1.

setup_file() {
    : "${KSO:?KSO must point at the kso binary}"
    ROOT="$BATS_FILE_TMPDIR/releases"
    # v2: the rolling release, asset names without ".json" as GitHub serves them
    "$KSO" library export --version v2-served "$ROOT/v2" 2>/dev/null
    for f in "$ROOT"/v2/*.json; do mv "$f" "${f%.json}"; done
    rm -f "$ROOT"/v2/*.csv
    # latest and a pinned tag: the names `kso library export` writes
    "$KSO" library export --version latest-served "$ROOT/latest" 2>/dev/null
    "$KSO" library export --version v1.2.3 "$ROOT/v1.2.3" 2>/dev/null
    # a CA and a server certificate for 127.0.0.1
    if command -v openssl >/dev/null; then
        C="$BATS_FILE_TMPDIR/certs"
        mkdir -p "$C"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kso test CA" \
            -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout "$C/srv.key" -out "$C/srv.csr" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$C/ext"
        openssl x509 -req -in "$C/srv.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" \
            -CAcreateserial -days 2 -extfile "$C/ext" -out "$C/srv.pem" 2>/dev/null
    fi
}

setup() {
    ROOT="$BATS_FILE_TMPDIR/releases"
    CERTS="$BATS_FILE_TMPDIR/certs"
    TMP=$(mktemp -d)
    PIDS=()
    # the tests choose their proxies themselves
    unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
    unset KSO_DOWNLOAD_ARTIFACTS KSO_ARTIFACTS_URL SSL_CERT_FILE
    export KSO_CACHE_DIR="$TMP/cache"
    cat >"$TMP/priv.yaml" <<'EOF'
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
EOF
}

teardown() {
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$TMP"
}

# start_server NAME [release_server.py flags]: sets ${NAME}_PORT; logs to $TMP/NAME.log
start_server() {
    local name=$1
    shift
    rm -f "$TMP/$name.port"
    python3 "$BATS_TEST_DIRNAME/release_server.py" --root "$ROOT" \
        --port-file "$TMP/$name.port" --log "$TMP/$name.log" "$@" 2>>"$TMP/$name.err" 3>&- &
    PIDS+=($!)
    wait_port "$name"
}

start_proxy() {
    rm -f "$TMP/proxy.port"
    python3 "$BATS_TEST_DIRNAME/forward_proxy.py" --port-file "$TMP/proxy.port" \
        --log "$TMP/proxy.log" 2>>"$TMP/proxy.err" 3>&- &
    PIDS+=($!)
    wait_port proxy
}

wait_port() {
    for _ in $(seq 100); do
        if [ -s "$TMP/$1.port" ]; then
            printf -v "${1}_PORT" '%s' "$(cat "$TMP/$1.port")"
            touch "$TMP/$1.log"
            return 0
        fi
        sleep 0.05
    done
    echo "server $1 did not start" >&2
    return 1
}

# a digest of a directory tree: names, modes and contents
tree_digest() {
    (cd "$1" && find . -printf '%p %m\n' | sort && find . -type f | sort | xargs sha256sum)
}

# framework version recorded in a JSON report
report_version() {
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summaryDetails']['frameworks'][0]['version'])" "$1"
}

@test "library download fetches the rolling release by its asset names and the result scans" {
    start_server srv
    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" "$TMP/lib"
    [ "$status" -eq 0 ]
    [[ "$output" == *"5 frameworks, 129 controls written to $TMP/lib"* ]]
    # the seven release assets, by their release names, nothing else
    [ "$(grep -c '^GET /releases/download/v2/' "$TMP/srv.log")" -eq 7 ]
    ! grep -q '\.json$' "$TMP/srv.log"
    for f in frameworks security_frameworks controls rules default_config_inputs exceptions \
        attack_tracks; do
        cmp "$ROOT/v2/$f" "$TMP/lib/$f.json"
    done
    # what `kubescape download artifacts` writes is there too
    for f in nsa.json mitre.json allcontrols.json controls-inputs.json attack-tracks.json; do
        [ -s "$TMP/lib/$f" ]
    done
    # no temporary directory is left behind
    [ "$(ls -A "$TMP")" = "$(printf 'lib\npriv.yaml\nsrv.err\nsrv.log\nsrv.port')" ]
    run "$KSO" scan framework nsa "$TMP/priv.yaml" --use-artifacts-from "$TMP/lib" \
        --format json --output "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ "$(report_version "$TMP/r.json")" = "v2-served" ]
    # the same verdicts as the built-in library it was exported from
    "$KSO" scan framework nsa "$TMP/priv.yaml" --format json --output "$TMP/b.json"
    python3 - "$TMP/r.json" "$TMP/b.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
key = lambda r: {c: (v["name"], v["status"], v["score"]) for c, v in r["summaryDetails"]["controls"].items()}
assert key(a) == key(b), "verdicts differ"
assert a["summaryDetails"]["controls"]["C-0057"]["status"] == "failed"
EOF
}

@test "--version picks the tagged release, 'latest' GitHub's latest; a mirror's .json names are taken" {
    start_server srv
    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases/" --version v1.2.3 \
        "$TMP/lib"
    [ "$status" -eq 0 ]
    grep -q '^GET /releases/download/v1.2.3/rules.json$' "$TMP/srv.log"
    ! grep -v '^GET /releases/download/v1.2.3/' "$TMP/srv.log"
    "$KSO" scan framework nsa "$TMP/priv.yaml" --use-artifacts-from "$TMP/lib" --format json \
        --output "$TMP/r.json"
    [ "$(report_version "$TMP/r.json")" = "v1.2.3" ]

    : >"$TMP/srv.log"
    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" --version latest \
        "$TMP/lib"
    [ "$status" -eq 0 ]
    grep -q '^GET /releases/latest/download/controls.json$' "$TMP/srv.log"
    "$KSO" scan framework nsa "$TMP/priv.yaml" --use-artifacts-from "$TMP/lib" --format json \
        --output "$TMP/r.json"
    [ "$(report_version "$TMP/r.json")" = "latest-served" ]

    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" --version ../x \
        "$TMP/lib"
    [ "$status" -eq 3 ]
    [[ "$output" == *"invalid release version '../x'"* ]]
}

# fails_cleanly FAULT EXPECTED-MESSAGE [extra download flags]: a download
# with that fault exits 3 with the message and leaves the library untouched
fails_cleanly() {
    local fault=$1 msg=$2
    shift 2
    start_server good
    "$KSO" library download --url "http://127.0.0.1:$good_PORT/releases" "$TMP/cache/lib" \
        2>/dev/null
    local before
    before=$(tree_digest "$TMP/cache/lib")
    start_server bad --fault "$fault"
    run "$KSO" library download --url "http://127.0.0.1:$bad_PORT/releases" "$@" "$TMP/cache/lib"
    echo "$output"
    [ "$status" -eq 3 ]
    [[ "$output" == *"$msg"* ]]
    [ "$(tree_digest "$TMP/cache/lib")" = "$before" ]
    [ "$(ls -A "$TMP/cache")" = "lib" ]
}

@test "a missing artifact (404) fails cleanly and names both URLs tried" {
    fails_cleanly rules=404 "release artifact rules not found (HTTP 404 for http://127.0.0.1:"
    [[ "$output" == *"/releases/download/v2/rules and for http://127.0.0.1:"*"/releases/download/v2/rules.json"* ]]
}

@test "a truncated body (short of its Content-Length) fails cleanly" {
    fails_cleanly controls=truncate "/releases/download/v2/controls: truncated body"
}

@test "a body that is not JSON fails cleanly" {
    fails_cleanly frameworks=notjson "frameworks.json is not valid JSON"
}

@test "an oversized body fails cleanly, with or without Content-Length" {
    fails_cleanly rules=big "/releases/download/v2/rules: response body larger than the limit of 1 MiB" \
        --max-file-size 1Mi
    fails_cleanly exceptions=bigchunked \
        "/releases/download/v2/exceptions: response body larger than the limit of 1 MiB" \
        --max-file-size 1Mi
}

@test "an existing directory that is not a library is never replaced" {
    start_server srv
    mkdir -p "$TMP/mine"
    echo keep >"$TMP/mine/notes.txt"
    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" "$TMP/mine"
    [ "$status" -eq 3 ]
    [[ "$output" == *"does not hold control library release artifacts"* ]]
    [ "$(cat "$TMP/mine/notes.txt")" = keep ]
    [ "$(ls -A "$TMP/mine")" = notes.txt ]
}

@test "redirects are followed, redirect loops refused" {
    start_server srv --fault rules=redirect
    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" "$TMP/lib"
    [ "$status" -eq 0 ]
    grep -q '^GET /moved/releases/download/v2/rules$' "$TMP/srv.log"
    start_server loop --fault rules=loop
    run "$KSO" library download --url "http://127.0.0.1:$loop_PORT/releases" "$TMP/lib"
    [ "$status" -eq 3 ]
    [[ "$output" == *"too many redirects"* ]]
}

@test "a server that is not there is a network error naming the URL" {
    start_server srv
    kill "${PIDS[0]}"
    wait "${PIDS[0]}" 2>/dev/null || true
    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" "$TMP/lib"
    [ "$status" -eq 3 ]
    [[ "$output" == *"GET http://127.0.0.1:$srv_PORT/releases/download/v2/frameworks:"* ]]
    [ ! -e "$TMP/lib" ]
}

@test "HTTPS with a private CA: works with --ca-file or SSL_CERT_FILE, fails without" {
    [ -s "$CERTS/srv.pem" ] || skip "openssl is not installed"
    start_server tls --tls "$CERTS/srv.pem" "$CERTS/srv.key"
    url="https://127.0.0.1:$tls_PORT/releases"
    run "$KSO" library download --url "$url" "$TMP/lib"
    [ "$status" -eq 3 ]
    [[ "$output" == *"GET $url/download/v2/frameworks:"* ]]
    [[ "$output" == *certificate* ]]
    [ ! -e "$TMP/lib" ]
    run "$KSO" library download --url "$url" --ca-file "$CERTS/ca.pem" "$TMP/lib"
    [ "$status" -eq 0 ]
    [ -s "$TMP/lib/rules.json" ]
    SSL_CERT_FILE="$CERTS/ca.pem" run "$KSO" library download --url "$url" "$TMP/lib2"
    [ "$status" -eq 0 ]
    run "$KSO" library download --url "$url" --insecure "$TMP/lib3"
    [ "$status" -eq 0 ]
    # a CA file that is not the server's
    run "$KSO" library download --url "$url" --ca-file /etc/ssl/certs/ca-certificates.crt \
        "$TMP/lib4"
    [ "$status" -eq 3 ]
}

@test "--proxy sends every request through the proxy, HTTP and HTTPS" {
    start_server srv
    start_proxy
    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" \
        --proxy "http://127.0.0.1:$proxy_PORT" "$TMP/lib"
    [ "$status" -eq 0 ]
    [ "$(grep -c "^GET http://127.0.0.1:$srv_PORT/releases/download/v2/" "$TMP/proxy.log")" -eq 7 ]
    [ "$(wc -l <"$TMP/srv.log")" -eq 7 ]
    # an explicit proxy is used even for hosts NO_PROXY lists
    : >"$TMP/proxy.log"
    NO_PROXY=127.0.0.1 run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" \
        --proxy "http://127.0.0.1:$proxy_PORT" "$TMP/lib"
    [ "$status" -eq 0 ]
    [ "$(wc -l <"$TMP/proxy.log")" -eq 7 ]
    # HTTPS goes through a CONNECT tunnel
    if [ -s "$CERTS/srv.pem" ]; then
        start_server tls --tls "$CERTS/srv.pem" "$CERTS/srv.key"
        : >"$TMP/proxy.log"
        run "$KSO" library download --url "https://127.0.0.1:$tls_PORT/releases" \
            --ca-file "$CERTS/ca.pem" --proxy "http://127.0.0.1:$proxy_PORT" "$TMP/lib"
        [ "$status" -eq 0 ]
        [ "$(grep -c "^CONNECT 127.0.0.1:$tls_PORT" "$TMP/proxy.log")" -ge 1 ]
        [ "$(wc -l <"$TMP/tls.log")" -eq 7 ]
    fi
    # a proxy that is not there is a clear error
    kill "${PIDS[1]}"
    wait "${PIDS[1]}" 2>/dev/null || true
    run "$KSO" library download --url "http://127.0.0.1:$srv_PORT/releases" \
        --proxy "http://user:secret@127.0.0.1:$proxy_PORT" "$TMP/lib"
    [ "$status" -eq 3 ]
    [[ "$output" == *"through proxy http://user:***@127.0.0.1:$proxy_PORT"* ]]
    [[ "$output" != *secret* ]]
}

@test "the proxy environment is honoured: HTTP_PROXY, HTTPS_PROXY and NO_PROXY" {
    start_server srv
    start_proxy
    HTTP_PROXY="http://127.0.0.1:$proxy_PORT" run "$KSO" library download \
        --url "http://127.0.0.1:$srv_PORT/releases" "$TMP/lib"
    [ "$status" -eq 0 ]
    [ "$(wc -l <"$TMP/proxy.log")" -eq 7 ]
    : >"$TMP/proxy.log"
    http_proxy="http://127.0.0.1:$proxy_PORT" NO_PROXY=127.0.0.1 run "$KSO" library download \
        --url "http://127.0.0.1:$srv_PORT/releases" "$TMP/lib"
    [ "$status" -eq 0 ]
    [ ! -s "$TMP/proxy.log" ]
    if [ -s "$CERTS/srv.pem" ]; then
        start_server tls --tls "$CERTS/srv.pem" "$CERTS/srv.key"
        HTTPS_PROXY="http://127.0.0.1:$proxy_PORT" run "$KSO" library download \
            --url "https://127.0.0.1:$tls_PORT/releases" --ca-file "$CERTS/ca.pem" "$TMP/lib"
        [ "$status" -eq 0 ]
        grep -q "^CONNECT 127.0.0.1:$tls_PORT" "$TMP/proxy.log"
    fi
}

@test "scan --download-artifacts downloads into the cache and scans with it" {
    start_server srv
    run "$KSO" scan framework nsa "$TMP/priv.yaml" --download-artifacts \
        --artifacts-url "http://127.0.0.1:$srv_PORT/releases" --controls-version v1.2.3 \
        --format json --output "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ -s "$KSO_CACHE_DIR/artifacts/rules.json" ]
    [ "$(report_version "$TMP/r.json")" = "v1.2.3" ]
    grep -q '^GET /releases/download/v1.2.3/' "$TMP/srv.log"
    # the configuration form: environment variables
    : >"$TMP/srv.log"
    KSO_DOWNLOAD_ARTIFACTS=true KSO_ARTIFACTS_URL="http://127.0.0.1:$srv_PORT/releases" \
        run "$KSO" scan framework nsa "$TMP/priv.yaml" --format json --output "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ "$(report_version "$TMP/r.json")" = "v2-served" ]
    [ "$(grep -c '^GET /releases/download/v2/' "$TMP/srv.log")" -eq 7 ]
    # into a directory of one's choosing, through a proxy
    start_proxy
    run "$KSO" scan framework nsa "$TMP/priv.yaml" --download-artifacts \
        --use-artifacts-from "$TMP/mine" --artifacts-url "http://127.0.0.1:$srv_PORT/releases" \
        --proxy "http://127.0.0.1:$proxy_PORT" --format json --output "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ -s "$TMP/mine/controls.json" ]
    [ "$(wc -l <"$TMP/proxy.log")" -eq 7 ]
}

@test "scan: a failed download exits 3 and keeps the cached library" {
    start_server srv
    KSO_ARTIFACTS_URL="http://127.0.0.1:$srv_PORT/releases" "$KSO" scan --download-artifacts \
        "$TMP/priv.yaml" --format json --output "$TMP/r.json"
    before=$(tree_digest "$KSO_CACHE_DIR/artifacts")
    start_server bad --fault controls=truncate
    run "$KSO" scan --download-artifacts --artifacts-url "http://127.0.0.1:$bad_PORT/releases" \
        "$TMP/priv.yaml" --format json --output "$TMP/r2.json"
    [ "$status" -eq 3 ]
    [[ "$output" == "kso scan: GET http://127.0.0.1:$bad_PORT/releases/download/v2/controls: truncated body"* ]]
    [ ! -e "$TMP/r2.json" ]
    [ "$(tree_digest "$KSO_CACHE_DIR/artifacts")" = "$before" ]
}

@test "scan without --download-artifacts uses the built-in library and no network" {
    start_server srv
    KSO_ARTIFACTS_URL="http://127.0.0.1:$srv_PORT/releases" KSO_DOWNLOAD_ARTIFACTS=false \
        run "$KSO" scan framework nsa "$TMP/priv.yaml" --format json --output "$TMP/r.json"
    [ "$status" -eq 0 ]
    [ "$(report_version "$TMP/r.json")" = "" ]
    [ ! -s "$TMP/srv.log" ]
    [ ! -e "$KSO_CACHE_DIR" ]
}

@test "scan: download flags without --download-artifacts, bad settings are usage errors" {
    run "$KSO" scan --controls-version v2.0.1 "$TMP/priv.yaml"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--controls-version needs --download-artifacts"* ]]
    run "$KSO" scan --proxy http://127.0.0.1:9 "$TMP/priv.yaml"
    [ "$status" -eq 2 ]
    KSO_DOWNLOAD_ARTIFACTS=maybe run "$KSO" scan "$TMP/priv.yaml"
    [ "$status" -eq 2 ]
    [[ "$output" == *"KSO_DOWNLOAD_ARTIFACTS=maybe is not a boolean"* ]]
    run "$KSO" scan --download-artifacts --use-from x.json "$TMP/priv.yaml"
    [ "$status" -eq 2 ]
    run "$KSO" library download --max-file-size lots "$TMP/lib"
    [ "$status" -eq 2 ]
    run "$KSO" library download
    [ "$status" -eq 2 ]
    run "$KSO" scan --help
    [[ "$output" == *KSO_DOWNLOAD_ARTIFACTS* ]]
    [[ "$output" == *KSO_ARTIFACTS_URL* ]]
}
