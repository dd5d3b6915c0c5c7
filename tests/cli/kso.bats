#!/usr/bin/env bats
# The kso binary as a user meets it: dispatch, help, version, exit codes,
# global flags. $KSO is the binary under test (set by CTest).

bats_require_minimum_version 1.5.0

setup() {
    : "${KSO:?KSO must point at the kso binary}"
    TMP=$(mktemp -d)
}

teardown() {
    rm -rf "$TMP"
}

@test "no arguments prints the overview and succeeds" {
    run "$KSO"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage: kso COMMAND"* ]]
    [[ "$output" == *"convert"* ]]
    [[ "$output" == *"Exit codes:"* ]]
}

@test "help, --help and -h print the overview" {
    for arg in help --help -h; do
        run "$KSO" "$arg"
        [ "$status" -eq 0 ]
        [[ "$output" == *"Commands:"* ]]
    done
}

@test "help COMMAND prints the command's usage" {
    run "$KSO" help convert
    [ "$status" -eq 0 ]
    [[ "$output" == *"Usage: kso convert"* ]]
}

@test "help of an unknown command is a usage error" {
    run "$KSO" help frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown command 'frobnicate'"* ]]
}

@test "version prints the version and library versions" {
    run "$KSO" version
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^kso\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
    [[ "$output" == *"libfyaml:"* ]]
    run "$KSO" --version
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "kso version "* ]]
}

@test "an unknown command exits 2 with a usage hint" {
    run "$KSO" frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown command 'frobnicate'"* ]]
    [[ "$output" == *"kso help"* ]]
}

@test "an unknown flag before the command exits 2" {
    run "$KSO" --frobnicate convert
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown flag '--frobnicate'"* ]]
}

@test "the role comes from the name the binary is called by" {
    ln -s "$KSO" "$TMP/convert"
    run bash -c "echo '{\"a\": [1, 2]}' | '$TMP/convert' -t yaml"
    [ "$status" -eq 0 ]
    [ "$output" = $'a:\n- 1\n- 2' ]
    ln -s "$KSO" "$TMP/version"
    run "$TMP/version"
    [ "$status" -eq 0 ]
    [[ "$output" == "kso version "* ]]
}

@test "a symlink with an unknown name falls back to argv[1]" {
    ln -s "$KSO" "$TMP/kso-dev"
    run "$TMP/kso-dev" version
    [ "$status" -eq 0 ]
    [[ "$output" == "kso version "* ]]
}

@test "--logger debug shows debug logs on stderr, never on stdout" {
    run --separate-stderr bash -c "echo 'a: 1' | '$KSO' convert --compact --logger debug"
    [ "$status" -eq 0 ]
    [ "$output" = '{"a":1}' ]
    [[ "$stderr" == *"read input"* ]]
}

@test "--logger-name zap writes JSON log lines with level, ts, msg and component" {
    run --separate-stderr bash -c "echo 'a: 1' | '$KSO' --logger-name zap --log-level=debug convert --compact"
    [ "$status" -eq 0 ]
    [ "$output" = '{"a":1}' ]
    line=$(printf '%s\n' "$stderr" | head -n 1)
    echo "$line" | python3 -c '
import json, re, sys
r = json.loads(sys.stdin.read())
assert r["level"] == "debug", r
assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", r["ts"]), r
assert r["msg"] == "read input" and r["component"] == "convert", r
assert r["documents"] == 1 and r["input"] == "<stdin>", r
'
}

@test "KS_LOGGER_LEVEL sets the level; the flag overrides it" {
    run --separate-stderr bash -c "echo 'a: 1' | KS_LOGGER_LEVEL=debug '$KSO' convert"
    [[ "$stderr" == *"read input"* ]]
    run --separate-stderr bash -c "echo 'a: 1' | KS_LOGGER_LEVEL=debug '$KSO' convert --logger error"
    [ -z "$stderr" ]
}

@test "a bad log level is a usage error" {
    run "$KSO" convert --logger loud
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown log level 'loud'"* ]]
    run "$KSO" convert --logger
    [ "$status" -eq 2 ]
}
