package armo_builtins

import rego.v1

# CIS asks for at least one PodSecurityPolicy that refuses privilege
# escalation. Only when every PSP allows it can a pod get it, and then each of
# those PSPs is reported.
deny contains msga if {
	psps := [p | some p in input; p.kind == "PodSecurityPolicy"]
	every p in psps {
		allows_escalation(p)
	}
	some psp in psps

	msga := {
		"alertMessage": sprintf("PodSecurityPolicy: '%v' has allowPrivilegeEscalation set as true.", [psp.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": failed_paths(psp),
		"fixPaths": [{"path": "spec.allowPrivilegeEscalation", "value": "false"}],
		"alertObject": {"k8sApiObjects": [psp]},
	}
}

# An unset allowPrivilegeEscalation defaults to true in a PSP, so only an
# explicit false refuses escalation (and deleting the field fixes nothing).
allows_escalation(psp) if not psp.spec.allowPrivilegeEscalation == false

failed_paths(psp) := ["spec.allowPrivilegeEscalation"] if {
	psp.spec.allowPrivilegeEscalation == true
} else := []
