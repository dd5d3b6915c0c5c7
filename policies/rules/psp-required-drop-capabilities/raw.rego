package armo_builtins

import rego.v1

# CIS asks for at least one PodSecurityPolicy that forces containers to drop
# capabilities. Only when no PSP sets requiredDropCapabilities can a pod keep
# the runtime's whole default set, and then each PSP is reported.
deny contains msga if {
	psps := [p | some p in input; p.kind == "PodSecurityPolicy"]
	every p in psps {
		not drops_capabilities(p)
	}
	some psp in psps

	msga := {
		"alertMessage": sprintf("PodSecurityPolicy: '%v' doesn't have requiredDropCapabilities.", [psp.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": "spec.requiredDropCapabilities[0]", "value": "ALL"}],
		"alertObject": {"k8sApiObjects": [psp]},
	}
}

drops_capabilities(psp) if count(psp.spec.requiredDropCapabilities) > 0
