package armo_builtins

import rego.v1

# Every regular container must set both a CPU request and a CPU limit, and
# each value that is set must lie within the configured bounds
# (cpu_request_min/max, cpu_limit_min/max; an empty list means no bound).

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	some field in ["requests", "limits"]
	not container.resources[field].cpu

	path := sprintf("%s.containers[%d].resources.%s.cpu", [spec_path, i, field])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' sets no CPU %s", [wl.kind, object_name(wl), object.get(container, "name", ""), singular(field)]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": [],
		"failedPaths": [],
		"fixPaths": [{"path": path, "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	some field in ["requests", "limits"]
	value := container.resources[field].cpu
	out_of_bounds(field, value)

	path := sprintf("%s.containers[%d].resources.%s.cpu", [spec_path, i, field])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' has CPU %s %v outside the allowed range", [wl.kind, object_name(wl), object.get(container, "name", ""), singular(field), value]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

singular("requests") := "request"

singular("limits") := "limit"

# The control inputs holding the upper and lower bound of each field.
max_input("requests") := "cpu_request_max"

max_input("limits") := "cpu_limit_max"

min_input("requests") := "cpu_request_min"

min_input("limits") := "cpu_limit_min"

out_of_bounds(field, value) if {
	some bound in object.get(data.postureControlInputs, max_input(field), [])
	cpu_nanocores(value) > cpu_nanocores(bound)
}

out_of_bounds(field, value) if {
	some bound in object.get(data.postureControlInputs, min_input(field), [])
	cpu_nanocores(value) < cpu_nanocores(bound)
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"

object_name(obj) := object.get(obj, ["metadata", "name"], "")

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
