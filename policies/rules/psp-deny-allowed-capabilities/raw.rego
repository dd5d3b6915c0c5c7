package armo_builtins

import rego.v1

# CIS asks for at least one PodSecurityPolicy that lets no capability be
# added beyond the runtime's default set. Only when every PSP lists
# allowedCapabilities can a pod add any, and then each of those PSPs is
# reported.
deny contains msga if {
	psps := [p | some p in input; p.kind == "PodSecurityPolicy"]
	every p in psps {
		allows_added_capabilities(p)
	}
	some psp in psps

	msga := {
		"alertMessage": sprintf("PodSecurityPolicy: '%v' has allowedCapabilities.", [psp.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": ["spec.allowedCapabilities"],
		"deletePaths": ["spec.allowedCapabilities"],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [psp]},
	}
}

allows_added_capabilities(psp) if count(psp.spec.allowedCapabilities) > 0
