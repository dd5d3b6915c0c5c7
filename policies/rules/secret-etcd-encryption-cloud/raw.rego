package armo_builtins

import rego.v1

# AKS: accepted are KMS etcd encryption with an Azure Key Vault key, the
# infrastructure encryption profile, or encryption at host on every node
# pool.
deny contains msga if {
	some cluster in input
	is_cluster_describe(cluster, "management.azure.com/v1", "aks")
	not aks_encrypted(cluster.data)

	msga := {
		"alertMessage": "etcd/secret encryption is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [],
		"fixPaths": [],
		"fixCommand": "az aks update --name <cluster_name> --resource-group <resource_group> --enable-azure-keyvault-kms --azure-keyvault-kms-key-id <key_id>",
		"alertObject": {"k8sApiObjects": [], "externalObjects": cluster},
	}
}

# EKS: an encryptionConfig entry with a KMS key that covers some resources
# (EKS only offers "secrets"). PascalCase from the AWS SDK, camelCase from
# the AWS CLI.
deny contains msga if {
	some cluster in input
	is_cluster_describe(cluster, "eks.amazonaws.com/v1", "eks")
	not eks_encrypted(cluster.data)

	msga := {
		"alertMessage": "etcd/secret encryption is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [],
		"fixPaths": [],
		"fixCommand": "aws eks associate-encryption-config --region <region> --cluster-name <cluster_name> --encryption-config '[{\"resources\":[\"secrets\"],\"provider\":{\"keyArn\":\"<kms_key_arn>\"}}]'",
		"alertObject": {"k8sApiObjects": [], "externalObjects": cluster},
	}
}

# GKE: application-layer secrets encryption (databaseEncryption.state
# ENCRYPTED, which is 1 as a protobuf enum number).
deny contains msga if {
	some cluster in input
	is_cluster_describe(cluster, "container.googleapis.com/v1", "gke")
	not gke_encrypted(cluster.data)

	msga := {
		"alertMessage": "etcd/secret encryption is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 3,
		"reviewPaths": ["data.database_encryption.state"],
		"failedPaths": ["data.database_encryption.state"],
		"fixPaths": [],
		"fixCommand": "gcloud container clusters update <cluster_name> --location=<location> --database-encryption-key=projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>",
		"alertObject": {"k8sApiObjects": [], "externalObjects": cluster},
	}
}

is_cluster_describe(obj, api_version, provider) if {
	obj.apiVersion == api_version
	obj.kind == "ClusterDescribe"
	obj.metadata.provider == provider
}

aks_encrypted(payload) if payload.properties.securityProfile.azureKeyVaultKms.enabled == true

aks_encrypted(payload) if {
	payload.properties.securityProfile.kubernetesResourceObjectEncryptionProfile.infrastructureEncryption == "Enabled"
}

aks_encrypted(payload) if {
	pools := payload.properties.agentPoolProfiles
	count(pools) > 0
	every pool in pools {
		pool.enableEncryptionAtHost == true
	}
}

eks_encrypted(payload) if {
	some enc in payload.Cluster.EncryptionConfig
	enc.Provider.KeyArn != ""
	count(enc.Resources) > 0
}

eks_encrypted(payload) if {
	some enc in payload.cluster.encryptionConfig
	enc.provider.keyArn != ""
	count(enc.resources) > 0
}

gke_encrypted(payload) if payload.database_encryption.state in {"ENCRYPTED", "1", 1}
