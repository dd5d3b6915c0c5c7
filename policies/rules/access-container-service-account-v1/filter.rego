# Enumerates the service account subject vectors this control reports on
# (same selection as raw.rego).
#
# Input: subject vectors from the subject-role-rolebinding aggregator (the
# subject plus relatedObjects [binding, role]).
package armo_builtins

import rego.v1

deny contains msga if {
	some vector in input
	vector.kind == "ServiceAccount"
	some binding in vector.relatedObjects
	endswith(binding.kind, "Binding")
	some role in vector.relatedObjects
	endswith(role.kind, "Role")
	some subject in binding.subjects
	same_subject(vector, subject)

	msga := {
		"alertMessage": sprintf("service account: %v has the following permissions in the cluster", [vector.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {
			"k8sApiObjects": [],
			"externalObjects": vector,
		},
	}
}

# A service account subject without namespace (allowed in a RoleBinding) means
# the binding's namespace; the vector copies the subject as written.
same_subject(vector, subject) if {
	vector.kind == subject.kind
	vector.name == subject.name
	object.get(vector, "namespace", "") == object.get(subject, "namespace", "")
}
