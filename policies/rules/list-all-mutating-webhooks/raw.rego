# Lists every MutatingWebhookConfiguration for review: each one receives, and
# may rewrite, the objects its rules select before they are stored.
package armo_builtins

import rego.v1

deny contains msga if {
	some config in input
	config.kind == "MutatingWebhookConfiguration"

	msga := {
		"alertMessage": sprintf("The following mutating webhook configuration should be checked %v.", [config.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 6,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [config]},
	}
}
