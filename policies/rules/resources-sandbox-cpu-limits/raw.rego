package armo_builtins

import rego.v1

# Every container of an Agent Sandbox SandboxTemplate must set a CPU limit,
# and the limit must not exceed sandbox_cpu_limit_max when that input is set.

deny contains msga if {
	template := input[_]
	template.kind == "SandboxTemplate"
	some i, container in template.spec.podTemplate.spec.containers
	not container.resources.limits.cpu

	msga := {
		"alertMessage": sprintf("SandboxTemplate '%s': container '%s' sets no CPU limit", [object.get(template, ["metadata", "name"], ""), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("spec.podTemplate.spec.containers[%d].resources.limits.cpu", [i]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [template]},
	}
}

deny contains msga if {
	template := input[_]
	template.kind == "SandboxTemplate"
	some i, container in template.spec.podTemplate.spec.containers
	limit := container.resources.limits.cpu
	some ceiling in data.postureControlInputs.sandbox_cpu_limit_max
	cpu_nanocores(limit) > cpu_nanocores(ceiling)

	path := sprintf("spec.podTemplate.spec.containers[%d].resources.limits.cpu", [i])
	msga := {
		"alertMessage": sprintf("SandboxTemplate '%s': container '%s' has CPU limit %v above the ceiling %v", [object.get(template, ["metadata", "name"], ""), object.get(container, "name", ""), limit, ceiling]),
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
# (e3, E-2). Values are counted in nanocores so that every common spelling
# ("0.5", "500m", "500000u") becomes the same integer.
cpu_nanocores(q) := q * nanocores_per("") if is_number(q)

cpu_nanocores(q) := (sign * mantissa) * multiplier if {
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

# Nanocores in one unit of each suffix; "" is a plain number of cores.
nanocores_per("n") := 1

nanocores_per("u") := 1000

nanocores_per("m") := 1000000

nanocores_per("") := 1000000000

nanocores_per("k") := 1000000000000

nanocores_per("M") := 1000000000000000

nanocores_per("G") := 1000000000000000000

nanocores_per("T") := 1000000000000000000000

nanocores_per("P") := 1000000000000000000000000

nanocores_per("E") := 1000000000000000000000000000

nanocores_per("Ki") := 1024000000000

nanocores_per("Mi") := 1048576000000000

nanocores_per("Gi") := 1073741824000000000

nanocores_per("Ti") := 1099511627776000000000

nanocores_per("Pi") := 1125899906842624000000000

nanocores_per("Ei") := 1152921504606846976000000000

suffix_multiplier(suffix) := nanocores_per(suffix)

# A decimal exponent: "e3" multiplies by 1000 (10^(3+9) nanocores).
suffix_multiplier(suffix) := to_number(sprintf("1e%d", [exponent + 9])) if {
	startswith(lower(suffix), "e")
	count(suffix) > 1
	exponent := to_number(trim_prefix(substring(suffix, 1, -1), "+"))
}
