package armo_builtins

import rego.v1

# Every container of an Agent Sandbox SandboxTemplate must set a memory limit,
# and the limit must not exceed sandbox_memory_limit_max when that input is set.

deny contains msga if {
	template := input[_]
	template.kind == "SandboxTemplate"
	some i, container in template.spec.podTemplate.spec.containers
	not container.resources.limits.memory

	msga := {
		"alertMessage": sprintf("SandboxTemplate '%s': container '%s' sets no memory limit", [object.get(template, ["metadata", "name"], ""), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("spec.podTemplate.spec.containers[%d].resources.limits.memory", [i]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [template]},
	}
}

deny contains msga if {
	template := input[_]
	template.kind == "SandboxTemplate"
	some i, container in template.spec.podTemplate.spec.containers
	limit := container.resources.limits.memory
	some ceiling in data.postureControlInputs.sandbox_memory_limit_max
	memory_millibytes(limit) > memory_millibytes(ceiling)

	path := sprintf("spec.podTemplate.spec.containers[%d].resources.limits.memory", [i])
	msga := {
		"alertMessage": sprintf("SandboxTemplate '%s': container '%s' has memory limit %v above the ceiling %v", [object.get(template, ["metadata", "name"], ""), object.get(container, "name", ""), limit, ceiling]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [template]},
	}
}

# ---- Kubernetes quantities -------------------------------------------------

# A quantity is a signed decimal number followed by a binary suffix (Ki..Ei),
# a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a decimal exponent
# (e3, E-2). Values are counted in thousandths of a byte so that every
# spelling, including the rare "m" suffix, becomes a whole number.
memory_millibytes(q) := q * millibytes_per("") if is_number(q)

memory_millibytes(q) := (sign * mantissa) * multiplier if {
	is_string(q)
	quantity_re := `^([+-]?)([0-9]*)(\.[0-9]*)?([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$`
	groups := regex.find_all_string_submatch_n(quantity_re, q, 1)[0]
	fraction := trim_prefix(groups[3], ".")
	concat("", [groups[2], fraction]) != ""
	mantissa := to_number(sprintf("%s.%s", [digits_or_zero(groups[2]), digits_or_zero(fraction)]))
	sign := sign_factor(groups[1])
	multiplier := suffix_multiplier(groups[4])
}

digits_or_zero("") := "0"

digits_or_zero(d) := d if d != ""

sign_factor("-") := -1

sign_factor(s) := 1 if s != "-"

# Thousandths of a byte in one unit of each suffix; "" is a plain byte count.
millibytes_per("n") := 0.000001

millibytes_per("u") := 0.001

millibytes_per("m") := 1

millibytes_per("") := 1000

millibytes_per("k") := 1000000

millibytes_per("M") := 1000000000

millibytes_per("G") := 1000000000000

millibytes_per("T") := 1000000000000000

millibytes_per("P") := 1000000000000000000

millibytes_per("E") := 1000000000000000000000

millibytes_per("Ki") := 1024000

millibytes_per("Mi") := 1048576000

millibytes_per("Gi") := 1073741824000

millibytes_per("Ti") := 1099511627776000

millibytes_per("Pi") := 1125899906842624000

millibytes_per("Ei") := 1152921504606846976000

suffix_multiplier(suffix) := millibytes_per(suffix)

# A decimal exponent: "e3" multiplies by 1000 (10^(3+3) thousandths of a byte).
suffix_multiplier(suffix) := to_number(sprintf("1e%d", [exponent + 3])) if {
	startswith(lower(suffix), "e")
	count(suffix) > 1
	exponent := to_number(trim_prefix(substring(suffix, 1, -1), "+"))
}
