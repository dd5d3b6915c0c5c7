package armo_builtins

import rego.v1

# CIS asks for at least one PodSecurityPolicy that refuses the host IPC namespace.
# Only when every PSP in the cluster allows it can any pod get it, and then
# each of those PSPs is reported.
deny contains msga if {
	psps := [p | some p in input; p.kind == "PodSecurityPolicy"]
	every p in psps {
		allows_hostIPC(p)
	}
	some psp in psps

	msga := {
		"alertMessage": sprintf("PodSecurityPolicy: '%v' has hostIPC set as true.", [psp.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": ["spec.hostIPC"],
		"deletePaths": ["spec.hostIPC"],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [psp]},
	}
}

# The field defaults to false: only an explicit true allows it, and removing
# the field is the fix.
allows_hostIPC(psp) if psp.spec.hostIPC == true
