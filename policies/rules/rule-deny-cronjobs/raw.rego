package armo_builtins

import rego.v1

# Every CronJob is listed for review: scheduled jobs are a common way for an
# attacker to keep code running in a cluster.

deny contains msga if {
	cronjob := input[_]
	cronjob.kind == "CronJob"

	msga := {
		"alertMessage": sprintf("CronJob '%s' runs on schedule '%v'; confirm it is expected", [object.get(cronjob, ["metadata", "name"], ""), object.get(cronjob, ["spec", "schedule"], "")]),
		"packagename": "armo_builtins",
		"alertScore": 2,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [cronjob]},
	}
}
