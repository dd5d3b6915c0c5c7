package armo_builtins

import rego.v1

# CIS asks for at least one PodSecurityPolicy that keeps containers from
# running as root. Only when every PSP lets UID 0 through can a pod run as
# root, and then each of those PSPs is reported.
deny contains msga if {
	psps := [p | some p in input; p.kind == "PodSecurityPolicy"]
	every p in psps {
		not refuses_root(p.spec)
	}
	some psp in psps

	msga := {
		"alertMessage": sprintf("PodSecurityPolicy: '%v' permits containers to run as the root user.", [psp.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": ["spec.runAsUser.rule"],
		"fixPaths": [{"path": "spec.runAsUser.rule", "value": "MustRunAsNonRoot"}],
		"alertObject": {"k8sApiObjects": [psp]},
	}
}

refuses_root(spec) if spec.runAsUser.rule == "MustRunAsNonRoot"

# MustRunAs keeps root out only when no allowed range reaches down to 0.
refuses_root(spec) if {
	spec.runAsUser.rule == "MustRunAs"
	count(spec.runAsUser.ranges) > 0
	every r in spec.runAsUser.ranges {
		r.min > 0
	}
}
