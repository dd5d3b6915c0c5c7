# "default" ServiceAccounts that let pods mount their token: explicitly
# (automountServiceAccountToken: true, delete it) or by not setting the field
# (set it to false).
package armo_builtins

import rego.v1

deny contains msga if {
	some sa in input
	is_default_account(sa)
	sa.automountServiceAccountToken == true
	msga := finding(sa, ["automountServiceAccountToken"], [])
}

deny contains msga if {
	some sa in input
	is_default_account(sa)
	automount_unset(sa)
	msga := finding(sa, [], [{"path": "automountServiceAccountToken", "value": "false"}])
}

is_default_account(sa) if {
	sa.kind == "ServiceAccount"
	sa.metadata.name == "default"
}

# A manifest without namespace is taken to be the default namespace's account.
finding(sa, delete, fix) := {
	"alertMessage": sprintf("the following service account: %v in the following namespace: %v mounts service account tokens in pods by default", [sa.metadata.name, object.get(sa, ["metadata", "namespace"], "default")]),
	"packagename": "armo_builtins",
	"alertScore": 9,
	"deletePaths": delete,
	"failedPaths": delete,
	"fixPaths": fix,
	"alertObject": {"k8sApiObjects": [sa]},
}

# automountServiceAccountToken is not set to a boolean, so the default applies.
# (Written as two comparisons: a negated membership test on a missing field
# is undefined in OPA, not true.)
automount_unset(obj) if {
	not obj.automountServiceAccountToken == true
	not obj.automountServiceAccountToken == false
}
