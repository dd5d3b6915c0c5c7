#!/usr/bin/env bats
# kso convert end to end: formats, streams, flags, errors and their exit
# codes, atomic output. $KSO is the binary under test.

setup() {
    : "${KSO:?KSO must point at the kso binary}"
    TMP=$(mktemp -d)
}

teardown() {
    rm -rf "$TMP"
}

@test "YAML to JSON, pretty by default with sorted keys" {
    printf 'b: 1\na: [x, true, null, 1.5]\n' > "$TMP/in.yaml"
    run "$KSO" convert "$TMP/in.yaml"
    [ "$status" -eq 0 ]
    [ "$output" = $'{\n  "a": [\n    "x",\n    true,\n    null,\n    1.5\n  ],\n  "b": 1\n}' ]
}

@test "JSON to YAML is the default for JSON input" {
    run bash -c "echo '{\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"a\"}]}}' | '$KSO' convert"
    [ "$status" -eq 0 ]
    [ "$output" = $'kind: Pod\nspec:\n  containers:\n  - name: a' ]
}

@test "--compact, --indent and --canonical" {
    run bash -c "printf 'a: {b: [1, 2]}\n' | '$KSO' convert --compact"
    [ "$output" = '{"a":{"b":[1,2]}}' ]
    run bash -c "printf 'a: [1]\n' | '$KSO' convert --indent 4"
    [ "$output" = $'{\n    "a": [\n        1\n    ]\n}' ]
    run bash -c "printf 'n: 1.50e2\nm: 100000000000000000000000\n' | '$KSO' convert --canonical"
    [ "$output" = '{"m":1e+23,"n":150}' ]
}

@test "a multi-document stream gives one JSON text per document" {
    printf 'a: 1\n---\nb: 2\n---\n---\nc: 3\n' > "$TMP/s.yaml"
    run "$KSO" convert --compact "$TMP/s.yaml"
    [ "$status" -eq 0 ]
    [ "$output" = $'{"a":1}\n{"b":2}\n{"c":3}' ]
    run "$KSO" convert --compact --keep-empty "$TMP/s.yaml"
    [ "$output" = $'{"a":1}\n{"b":2}\nnull\n{"c":3}' ]
    run "$KSO" convert --compact --array "$TMP/s.yaml"
    [ "$output" = '[{"a":1},{"b":2},{"c":3}]' ]
    run "$KSO" convert --compact --first "$TMP/s.yaml"
    [ "$output" = '{"a":1}' ]
}

@test "a JSON stream converts to a YAML stream" {
    run bash -c "printf '{\"a\":1}\n[2]\n\"x\"\n' | '$KSO' convert -t yaml"
    [ "$status" -eq 0 ]
    [ "$output" = $'a: 1\n---\n- 2\n---\nx' ]
}

@test "several files are read in order" {
    printf 'a: 1\n' > "$TMP/1.yaml"
    printf '{"b": 2}' > "$TMP/2.json"
    run "$KSO" convert --compact -t json "$TMP/1.yaml" "$TMP/2.json"
    [ "$output" = $'{"a":1}\n{"b":2}' ]
}

@test "Kubernetes YAML conventions: 1.2 core schema, octal, big integers, merge keys" {
    printf 'on: yes\nmode: 0644\nhex: 0x1F\nbig: 123456789012345678901234567890\nt: 2024-01-01\nbase: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n' > "$TMP/k.yaml"
    run "$KSO" convert --compact "$TMP/k.yaml"
    [ "$status" -eq 0 ]
    [ "$output" = '{"base":{"x":1},"big":123456789012345678901234567890,"d":{"x":1,"y":2},"hex":31,"mode":420,"on":"yes","t":"2024-01-01T00:00:00Z"}' ]
    run "$KSO" convert --compact --yaml11 "$TMP/k.yaml"
    [[ "$output" == *'"true":true'* ]]  # go-yaml v2 reads the key on as true too
}

@test "the JSON writer matches Go encoding/json for strings and floats" {
    run bash -c "printf '{\"s\":\"<a&b>\\\\u2028\",\"f\":1e21,\"g\":0.000001,\"h\":1e-7}' | '$KSO' convert -t json --compact"
    [ "$output" = '{"f":1e+21,"g":0.000001,"h":1e-7,"s":"<a&b>\u2028"}' ]
    run bash -c "printf '{\"s\":\"<a&b>\"}' | '$KSO' convert -t json --compact --escape-html"
    [ "$output" = '{"s":"\u003ca\u0026b\u003e"}' ]
}

@test "YAML written by convert reads back to the same JSON" {
    printf 'a: "true"\nb: ""\nc: "multi\\nline\\n"\nd: "- x"\ne: "key: value"\nf: "0644"\ng: null\n' > "$TMP/q.yaml"
    run "$KSO" convert --compact "$TMP/q.yaml"
    expected=$output
    "$KSO" convert -t yaml "$TMP/q.yaml" > "$TMP/q2.yaml"
    run "$KSO" convert --compact -f yaml "$TMP/q2.yaml"
    [ "$output" = "$expected" ]
}

@test "malformed YAML: exit 3, file, line and column" {
    printf 'a: 1\nb: [1, 2\nc: 3\n' > "$TMP/bad.yaml"
    run "$KSO" convert "$TMP/bad.yaml"
    [ "$status" -eq 3 ]
    [[ "$output" =~ bad\.yaml:[0-9]+:[0-9]+: ]]
}

@test "duplicate YAML keys are an error at the second key" {
    printf 'metadata:\n  name: a\n  name: b\n' > "$TMP/dup.yaml"
    run "$KSO" convert "$TMP/dup.yaml"
    [ "$status" -eq 3 ]
    [[ "$output" == *"dup.yaml:3:3:"* ]]
    [[ "$output" == *"name"* ]]
}

@test "malformed JSON: exit 3 with line and column" {
    printf '{\n  "a": 1,\n  "b": tru\n}\n' > "$TMP/bad.json"
    run "$KSO" convert "$TMP/bad.json"
    [ "$status" -eq 3 ]
    [[ "$output" == *"bad.json:3:8:"* ]]
}

@test "invalid UTF-8 is an error with its position" {
    printf 'a: 1\nb: caf\xe9\n' > "$TMP/latin1.yaml"
    run "$KSO" convert "$TMP/latin1.yaml"
    [ "$status" -eq 3 ]
    [[ "$output" == *"latin1.yaml:2:7: invalid UTF-8"* ]]
}

@test "a billion-laughs document is refused, not expanded" {
    {
        echo 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'
        prev=a
        for l in b c d e f g h i j; do
            printf '%s: &%s [' "$l" "$l"
            for k in 1 2 3 4 5 6 7 8 9; do printf '*%s,' "$prev"; done
            printf '*%s]\n' "$prev"
            prev=$l
        done
    } > "$TMP/lol.yaml"
    run "$KSO" convert "$TMP/lol.yaml"
    [ "$status" -eq 3 ]
    [[ "$output" == *"alias"* ]]
}

@test "--max-size and --max-depth limit the input" {
    printf 'a: 1234567890\n' > "$TMP/s.yaml"
    run "$KSO" convert --max-size 4 "$TMP/s.yaml"
    [ "$status" -eq 3 ]
    run bash -c "printf '[[[[1]]]]' | '$KSO' convert --max-depth 3"
    [ "$status" -eq 3 ]
    [[ "$output" == *"deeper"* ]]
    run bash -c "printf '[[[1]]]' | '$KSO' convert --max-depth 3 --compact -t json"
    [ "$status" -eq 0 ]
}

@test "a missing file is an input error naming it" {
    run "$KSO" convert "$TMP/nope.yaml"
    [ "$status" -eq 3 ]
    [[ "$output" == *"nope.yaml"* ]]
}

@test "bad flags and flag values are usage errors" {
    run "$KSO" convert --frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown flag '--frobnicate'"* ]]
    [[ "$output" == *"kso convert --help"* ]]
    run "$KSO" convert --to xml
    [ "$status" -eq 2 ]
    run "$KSO" convert --indent 0
    [ "$status" -eq 2 ]
    run "$KSO" convert --max-size lots
    [ "$status" -eq 2 ]
    run "$KSO" convert -o
    [ "$status" -eq 2 ]
}

@test "-o writes atomically and only when every input parsed" {
    printf 'a: 1\n' > "$TMP/good.yaml"
    printf 'a: [\n' > "$TMP/bad.yaml"
    echo "previous" > "$TMP/out.json"
    run "$KSO" convert -o "$TMP/out.json" "$TMP/good.yaml" "$TMP/bad.yaml"
    [ "$status" -eq 3 ]
    [ "$(cat "$TMP/out.json")" = "previous" ]
    run "$KSO" convert --compact -o "$TMP/out.json" "$TMP/good.yaml"
    [ "$status" -eq 0 ]
    [ "$(cat "$TMP/out.json")" = '{"a":1}' ]
    [ "$(ls "$TMP" | wc -l)" -eq 3 ]
}

@test "the bundled example converts and round-trips" {
    ex="$BATS_TEST_DIRNAME/../../examples/web-app.yaml"
    "$KSO" convert --canonical "$ex" > "$TMP/a.json"
    "$KSO" convert -t yaml "$ex" > "$TMP/b.yaml"
    "$KSO" convert --canonical "$TMP/b.yaml" > "$TMP/b.json"
    cmp "$TMP/a.json" "$TMP/b.json"
    [ "$(wc -l < "$TMP/a.json")" -ge 10 ]
}
