package armo_builtins

import rego.v1

# CIS asks for at least one PodSecurityPolicy that refuses the host PID namespace.
# Only when every PSP in the cluster allows it can any pod get it, and then
# each of those PSPs is reported.
deny contains msga if {
	psps := [p | some p in input; p.kind == "PodSecurityPolicy"]
	every p in psps {
		allows_hostPID(p)
	}
	some psp in psps

	msga := {
		"alertMessage": sprintf("PodSecurityPolicy: '%v' has hostPID set as true.", [psp.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": ["spec.hostPID"],
		"deletePaths": ["spec.hostPID"],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [psp]},
	}
}

# The field defaults to false: only an explicit true allows it, and removing
# the field is the fix.
allows_hostPID(psp) if psp.spec.hostPID == true
