# Lists every ValidatingWebhookConfiguration for review: each one receives a
# copy of the objects its rules select and can block their admission.
package armo_builtins

import rego.v1

deny contains msga if {
	some config in input
	config.kind == "ValidatingWebhookConfiguration"

	msga := {
		"alertMessage": sprintf("The following validating webhook configuration should be checked %v.", [config.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 6,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [config]},
	}
}
