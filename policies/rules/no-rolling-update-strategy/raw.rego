package armo_builtins

import rego.v1

# A Deployment that explicitly sets a strategy other than RollingUpdate
# (in practice Recreate) takes every pod down before starting new ones, so
# each rollout is an outage. An unset strategy defaults to RollingUpdate.

deny contains msga if {
	deployment := input[_]
	deployment.kind == "Deployment"
	strategy := deployment.spec.strategy.type
	strategy != "RollingUpdate"

	msga := {
		"alertMessage": sprintf("Deployment '%s' uses the %v update strategy, which stops all pods before starting new ones", [object.get(deployment, ["metadata", "name"], ""), strategy]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"reviewPaths": ["spec.strategy.type"],
		"failedPaths": ["spec.strategy.type"],
		"fixPaths": [{"path": "spec.strategy.type", "value": "RollingUpdate"}],
		"alertObject": {"k8sApiObjects": [deployment]},
	}
}
