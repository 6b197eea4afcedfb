"""Every root field of the graph answers with data on the seeded demo pool (what `serve --demo` shows)."""

import asyncio

from gateway.demo.seed import seed_demo_pool
from gateway.graphql.schema import build_schema

ROOT_FIELDS = set(build_schema()._schema.query_type.fields)

EVERYTHING = """
query Demo($pool: ID!, $user: String!, $group: String!, $client: String!, $secretClient: String!,
           $provider: String!, $server: String!, $deviceUser: String!, $importJob: String!) {
  me { __typename subject roles }
  userPools { __typename ... on UserPoolConnection { nodes { id name } } }
  userPool(id: $pool) {
    __typename
    ... on UserPool {
      name estimatedNumberOfUsers tags
      mfaConfig { mfaConfiguration softwareTokenMfaConfiguration { enabled } }
      userPoolAddOns { advancedSecurityMode }
      clients { nodes { clientId clientName } }
      identityProviders { nodes { providerName providerType } }
      resourceServers { nodes { identifier } }
      replicas { regionName role }
    }
  }
  users(userPoolId: $pool, first: 5) { __typename ... on UserConnection { nodes { username groups { groupName } } } }
  user(userPoolId: $pool, username: $user) {
    __typename
    ... on User { username authEvents(first: 3) { nodes { eventType eventResponse creationDate } } }
  }
  groups(userPoolId: $pool) { __typename ... on GroupConnection { nodes { groupName } } }
  group(userPoolId: $pool, groupName: $group) { __typename ... on Group { users(first: 3) { nodes { username } } } }
  userPoolClients(userPoolId: $pool) { __typename ... on UserPoolClientConnection { nodes { clientName explicitAuthFlows } } }
  userPoolClient(userPoolId: $pool, clientId: $client) { __typename ... on UserPoolClient { clientName } }
  userPoolClientSecret(userPoolId: $pool, clientId: $secretClient) { __typename ... on UserPoolClientSecret { clientSecret } }
  identityProviders(userPoolId: $pool) { __typename ... on IdentityProviderConnection { nodes { providerName providerDetails } } }
  identityProvider(userPoolId: $pool, providerName: $provider) { __typename ... on IdentityProvider { idpIdentifiers } }
  identityProviderByIdentifier(userPoolId: $pool, idpIdentifier: "acme.example") { __typename ... on IdentityProvider { providerName } }
  devices(userPoolId: $pool, username: $deviceUser) { __typename ... on DeviceConnection { nodes { deviceKey } } }
  resourceServers(userPoolId: $pool) { __typename ... on ResourceServerConnection { nodes { identifier scopes { scopeName } } } }
  resourceServer(userPoolId: $pool, identifier: $server) { __typename ... on ResourceServer { name } }
  userImportJobs(userPoolId: $pool) { __typename ... on UserImportJobConnection { nodes { jobName status } } }
  userImportJob(userPoolId: $pool, jobId: $importJob) { __typename ... on UserImportJob { jobName preSignedUrl } }
  indexStatus(userPoolId: $pool) { __typename ... on IndexStatus { state progress } }
  provisionedLimit(limitDefinition: {limitClass: API_CATEGORY, attributes: {Category: "UserAuthentication"}}) {
    __typename ... on Limit { provisionedLimitValue }
  }
}"""


async def test_every_root_field_answers_on_the_demo_pool(gateway, cognito):
    pool = seed_demo_pool(cognito)
    variables = {
        "pool": pool.user_pool_id,
        "user": pool.users_with_auth_events[0],
        "group": pool.group_names[0],
        "client": pool.app_client_id,
        "secretClient": pool.confidential_client_id,
        "provider": pool.identity_provider_names[0],
        "server": pool.resource_server_identifiers[0],
        "deviceUser": pool.users_with_devices[0],
        "importJob": pool.import_job_id,
    }

    data = await gateway.data(EVERYTHING, variables)
    device_key = data["devices"]["nodes"][0]["deviceKey"]
    data |= await gateway.data(
        """query($pool: ID!, $user: String!, $key: String!) {
             device(userPoolId: $pool, username: $user, deviceKey: $key) { __typename ... on Device { deviceName: deviceAttributes { name value } } }
           }""",
        {"pool": pool.user_pool_id, "user": pool.users_with_devices[0], "key": device_key},
    )
    # The seed has no branding style or terms document: made here, read by ID.
    style = cognito.create_managed_login_branding(
        UserPoolId=pool.user_pool_id, ClientId=pool.app_client_id, UseCognitoProvidedValues=True
    )["ManagedLoginBranding"]["ManagedLoginBrandingId"]
    terms = cognito.create_terms(
        UserPoolId=pool.user_pool_id,
        ClientId=pool.app_client_id,
        TermsName="terms-of-use",
        TermsSource="LINK",
        Enforcement="NONE",
        Links={"cognito:default": "https://example.com/terms"},
    )["Terms"]["TermsId"]
    data |= await gateway.data(
        """query($pool: ID!, $style: String!, $terms: String!) {
             managedLoginBranding(userPoolId: $pool, managedLoginBrandingId: $style) { __typename }
             terms(userPoolId: $pool, termsId: $terms) { __typename }
           }""",
        {"pool": pool.user_pool_id, "style": style, "terms": terms},
    )

    # The test app indexes no pool by itself: the demo pool is indexed here, then searched.
    await gateway.mutate("indexUserPool", {"userPoolId": pool.user_pool_id})
    status_query = "query($pool: ID!) { indexStatus(userPoolId: $pool) { ... on IndexStatus { state } } }"
    for _ in range(200):
        if (await gateway.data(status_query, {"pool": pool.user_pool_id}))["indexStatus"]["state"] == "READY":
            break
        await asyncio.sleep(0.05)
    data |= await gateway.data(
        """query($pool: ID!) {
             searchUsers(userPoolId: $pool, text: "a", first: 3) { __typename ... on UserSearchConnection { totalCount } }
           }""",
        {"pool": pool.user_pool_id},
    )

    # A job on the demo pool: an export of every user, from the index, to its end.
    started = await gateway.mutate(
        "startUserJob",
        {"userPoolId": pool.user_pool_id, "action": "EXPORT", "selection": {}},
        selection="job { id }",
    )
    job_query = """query($id: ID!, $pool: ID!) {
      job(id: $id) { __typename ... on Job { state total done downloadUrl } }
      jobs(userPoolId: $pool) { __typename ... on JobConnection { nodes { id action } } }
    }"""
    for _ in range(200):
        jobs = await gateway.data(job_query, {"id": started["job"]["id"], "pool": pool.user_pool_id})
        if jobs["job"]["state"] == "SUCCEEDED":
            break
        await asyncio.sleep(0.05)
    assert jobs["job"]["total"] == jobs["job"]["done"] > 0
    assert (await gateway.http.get(jobs["job"]["downloadUrl"])).status_code == 200
    data |= jobs

    errors = {field: value for field, value in data.items() if "Error" in value["__typename"]}
    assert errors == {}
    assert set(data) == ROOT_FIELDS
    assert data["me"] == {"__typename": "Me", "subject": "anonymous", "roles": ["admin"]}
    assert data["user"]["authEvents"]["nodes"], "the demo seeds auth events"
    assert data["devices"]["nodes"], "the demo seeds devices"
    assert data["userPoolClientSecret"]["clientSecret"]
    assert data["identityProviderByIdentifier"]["providerName"] == "AcmeOkta"
    assert data["userImportJobs"]["nodes"] == [{"jobName": "acme-contractors", "status": "CREATED"}]
    assert data["userImportJob"]["preSignedUrl"]
    assert data["userPool"]["mfaConfig"]["softwareTokenMfaConfiguration"]["enabled"] is True
