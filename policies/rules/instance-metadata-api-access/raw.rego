package armo_builtins

import rego.v1

# A node that reaches its cloud provider's instance metadata service (e.g.
# 169.254.169.254) lets every pod without a blocking network policy fetch the
# node's cloud credentials and bootstrap secrets from it. The host sensor
# probes this from each node.
deny contains msga if {
	some obj in input
	is_cloud_provider_info(obj)
	obj.data.providerMetaDataAPIAccess == true

	msga := {
		"alertMessage": sprintf("Node '%s' has access to Instance Metadata Services of cloud provider.", [obj.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"externalObjects": obj},
	}
}

# The envelope kind is spelled cloudProviderInfo or CloudProviderInfo.
is_cloud_provider_info(obj) if {
	obj.apiVersion == "hostdata.kubescape.cloud/v1beta0"
	lower(obj.kind) == "cloudproviderinfo"
}
