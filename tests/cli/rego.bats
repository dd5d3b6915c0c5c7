#!/usr/bin/env bats
# kso rego end to end: eval output in opa's JSON shape, errors with
# positions and exit codes, limits, check and test-cases. $KSO is the binary
# under test.

setup() {
    : "${KSO:?KSO must point at the kso binary}"
    TMP=$(mktemp -d)
}

teardown() {
    rm -rf "$TMP"
}

@test "eval prints opa's result shape with bindings" {
    printf 'package t\nimport rego.v1\ndeny contains msg if {\n  some c in input.containers\n  c.privileged\n  msg := sprintf("%%s is privileged", [c.name])\n}\n' > "$TMP/p.rego"
    printf '{"containers":[{"name":"a","privileged":true},{"name":"b"}]}' > "$TMP/in.json"
    run "$KSO" rego eval -d "$TMP/p.rego" -i "$TMP/in.json" 'x := data.t.deny'
    [ "$status" -eq 0 ]
    [[ "$output" == *'"bindings": {'* ]]
    [[ "$output" == *'"a is privileged"'* ]]
    [[ "$output" == *'"text": "x := data.t.deny"'* ]]
}

@test "undefined prints an empty object and exits 0" {
    run "$KSO" rego eval 'input.missing'
    [ "$status" -eq 0 ]
    [ "$output" = "{}" ]
}

@test "--format pretty prints values" {
    run "$KSO" rego eval --format pretty '[x | some x in {3, 1, 2}]'
    [ "$status" -eq 0 ]
    [ "$output" = $'[\n  1,\n  2,\n  3\n]' ]
}

@test "a malformed policy is a parse error with file:line:col, exit 1" {
    printf 'package t\n\np := [1, 2\n' > "$TMP/bad.rego"
    run "$KSO" rego eval -d "$TMP/bad.rego" 'data.t.p'
    [ "$status" -eq 1 ]
    [[ "$output" == *'"code": "rego_parse_error"'* ]]
    [[ "$output" == *'"row": 4'* || "$output" == *'"row": 3'* ]]
}

@test "an unsafe variable is reported at compile time" {
    printf 'package t\nimport rego.v1\np if { x > 1 }\n' > "$TMP/u.rego"
    run "$KSO" rego eval -d "$TMP/u.rego" 'data.t.p'
    [ "$status" -eq 1 ]
    [[ "$output" == *'"code": "rego_unsafe_var_error"'* ]]
    [[ "$output" == *'var x is unsafe'* ]]
}

@test "a type error is reported at compile time" {
    printf 'package t\nimport rego.v1\np if { count(1) > 0 }\n' > "$TMP/ty.rego"
    run "$KSO" rego eval -d "$TMP/ty.rego" 'data.t.p'
    [ "$status" -eq 1 ]
    [[ "$output" == *'"code": "rego_type_error"'* ]]
}

@test "recursion is refused at compile time" {
    printf 'package t\nimport rego.v1\np if q\nq if p\n' > "$TMP/r.rego"
    run "$KSO" rego eval -d "$TMP/r.rego" 'data.t.p'
    [ "$status" -eq 1 ]
    [[ "$output" == *'"code": "rego_recursion_error"'* ]]
}

@test "a conflict is an evaluation error with its location" {
    printf 'package t\nimport rego.v1\np := 1\np := 2\n' > "$TMP/c.rego"
    run "$KSO" rego eval -d "$TMP/c.rego" 'data.t.p'
    [ "$status" -eq 1 ]
    [[ "$output" == *'"code": "eval_conflict_error"'* ]]
    [[ "$output" == *'"file": "'"$TMP"'/c.rego"'* ]]
}

@test "a runaway evaluation stops at --max-steps" {
    run "$KSO" rego eval --max-steps 100000 'x := count([1 | numbers.range(1, 1000)[_]; numbers.range(1, 1000)[_]])'
    [ "$status" -eq 1 ]
    [[ "$output" == *'step limit'* ]]
}

@test "a huge evaluation stops at --max-memory" {
    run "$KSO" rego eval --max-memory 8Mi 'x := count([[i, j] | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000)])'
    [ "$status" -eq 1 ]
    [[ "$output" == *'memory'* ]]
}

@test "strict builtin errors fail the query" {
    run "$KSO" rego eval 'x := to_number("abc")'
    [ "$status" -eq 0 ]
    [ "$output" = "{}" ]
    run "$KSO" rego eval --strict-builtin-errors 'x := to_number("abc")'
    [ "$status" -eq 1 ]
    [[ "$output" == *'eval_builtin_error'* || "$output" == *'eval_type_error'* ]]
}

@test "v0 syntax with --v0" {
    printf 'package t\np[x] { x := input.xs[_] }\n' > "$TMP/v0.rego"
    printf '{"xs":[2,1]}' > "$TMP/in.json"
    run "$KSO" rego eval --v0 --format pretty -d "$TMP/v0.rego" -i "$TMP/in.json" 'data.t.p'
    [ "$status" -eq 0 ]
    [ "$output" = $'[\n  1,\n  2\n]' ]
}

@test "data files merge into data" {
    printf '{"limits":{"max":3}}' > "$TMP/data.json"
    run "$KSO" rego eval --format pretty -d "$TMP/data.json" 'data.limits.max'
    [ "$status" -eq 0 ]
    [ "$output" = "3" ]
}

@test "check reports errors and passes good policies" {
    printf 'package t\nimport rego.v1\np := 1\n' > "$TMP/good.rego"
    run "$KSO" rego check "$TMP/good.rego"
    [ "$status" -eq 0 ]
    printf 'package t\np := \n' > "$TMP/bad.rego"
    run "$KSO" rego check "$TMP/bad.rego"
    [ "$status" -eq 1 ]
    [[ "$output" == *"bad.rego:"* ]]
}

@test "test-cases counts pass and fail per file" {
    cat > "$TMP/cases.yaml" <<'YAML'
cases:
  - note: ok
    query: x = 1
    want_result: [{x: 1}]
  - note: wrong
    query: x = 1
    want_result: [{x: 2}]
YAML
    run "$KSO" rego test-cases "$TMP/cases.yaml"
    [ "$status" -eq 1 ]
    [[ "$output" == *"pass    1  fail    1"* ]]
    [[ "$output" == *"total: 2 cases, pass 1"* ]]
}

@test "unknown flags and missing queries are usage errors" {
    run "$KSO" rego eval --bogus 'x'
    [ "$status" -eq 2 ]
    run "$KSO" rego eval
    [ "$status" -eq 2 ]
    run "$KSO" rego nonsense
    [ "$status" -eq 2 ]
}

@test "a missing input file is an input error" {
    run "$KSO" rego eval -i "$TMP/none.json" 'input'
    [ "$status" -eq 3 ]
}

@test "parse prints the syntax tree as JSON" {
    printf 'package t\nimport rego.v1\np := x if { some x in input.xs }\n' > "$TMP/p.rego"
    run "$KSO" rego parse "$TMP/p.rego"
    [ "$status" -eq 0 ]
    [[ "$output" == *'"type": "var"'* ]]
    [[ "$output" == *'"type": "somein"'* ]]
    printf 'package t\np := [\n' > "$TMP/bad.rego"
    run "$KSO" rego parse "$TMP/bad.rego"
    [ "$status" -eq 1 ]
    [[ "$output" == *"bad.rego:"* ]]
}

@test "print writes to standard error, <undefined> for undefined arguments" {
    printf 'package t\nimport rego.v1\np if {\n  x := 1\n  print("x is", x, input.missing)\n}\n' > "$TMP/pr.rego"
    run bash -c "'$KSO' rego eval -d '$TMP/pr.rego' data.t.p 2>&1 >/dev/null"
    [ "$status" -eq 0 ]
    [ "$output" = "x is 1 <undefined>" ]
}
