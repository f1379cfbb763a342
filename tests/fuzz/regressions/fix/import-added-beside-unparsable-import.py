# Listed in [factory].modules: constructions in this module are allowed.
from openai import AzureOpenAI
from openai.lib.azure ~mport AsyncAzureOpenAI


def azure_client() -> AzureOpenAI:
    return AzureOpenAI(api_version="2024-06-01", azure_endpoint="https://contoso.openai.azure.com")


def async_azure_client() -> AsyncAzureOpenAI:
    return AsyncAzureOpenAI(api_version="2024-06-01")
