using Portal.Core.Common;
using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed partial class IntegrationRulesTests
{
    // ---- auth methods ----

    [Fact]
    public void An_oauth2_method_without_authorization_url_token_url_and_client_id_is_refused_on_each()
    {
        var input = WithMetadata("""{"authMetadata":[{"id":"oauth","type":"OAUTH2"}]}""");
        var at = "configMetadata.authMetadata[0].authSettings.parameters";
        Assert.Equal([$"{at}.authorizationUrl", $"{at}.clientId", $"{at}.tokenUrl"], Check(input).Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("authorizationUrl")]
    [InlineData("tokenUrl")]
    [InlineData("clientId")]
    public void An_oauth2_method_missing_one_setting_is_refused_on_that_setting(string missing)
    {
        var input = WithMetadata("""
            {"authMetadata":[{"id":"oauth","type":"OAUTH2","authSettings":{"parameters":{
              "authorizationUrl":"https://idp.example/authorize","tokenUrl":"https://idp.example/token","clientId":"portal"}}}]}
            """);
        input.ConfigMetadata!.AuthMetadata[0].AuthSettings.Parameters.Remove(missing);
        Assert.Equal($"configMetadata.authMetadata[0].authSettings.parameters.{missing}", Only(input));
    }

    [Theory]
    [InlineData("\"idp.example/authorize\"")]
    [InlineData("\"ftp://idp.example/authorize\"")]
    [InlineData("42")]
    public void An_oauth2_authorization_url_that_is_not_an_http_url_is_refused(string url)
    {
        var input = WithMetadata("""
            {"authMetadata":[{"id":"oauth","type":"OAUTH2","authSettings":{"parameters":{
              "authorizationUrl":URL,"tokenUrl":"https://idp.example/token","clientId":"portal"}}}]}
            """.Replace("URL", url, StringComparison.Ordinal));
        Assert.Equal("configMetadata.authMetadata[0].authSettings.parameters.authorizationUrl", Only(input));
    }

    [Fact]
    public void A_test_url_that_is_not_an_http_url_is_refused()
    {
        var input = WithMetadata("""{"authMetadata":[{"id":"key","type":"API_KEY","authSettings":{"parameters":{"testUrl":"crm.example/me"}}}]}""");
        Assert.Equal("configMetadata.authMetadata[0].authSettings.parameters.testUrl", Only(input));
    }

    [Fact]
    public void An_auth_setting_that_is_an_object_is_refused_but_scopes_may_be_a_list()
    {
        var input = WithMetadata("""{"authMetadata":[{"id":"key","type":"API_KEY","authSettings":{"parameters":{"headerName":{"x":1},"scopes":["a","b"]}}}]}""");
        Assert.Equal("configMetadata.authMetadata[0].authSettings.parameters.headerName", Only(input));
    }

    [Fact]
    public void An_auth_method_id_declared_twice_is_refused_on_the_second()
    {
        var input = WithMetadata("""{"authMetadata":[{"id":"key","type":"API_KEY"},{"id":"basic","type":"BASIC"},{"id":"key","type":"BEARER_TOKEN"}]}""");
        var errors = Check(input);
        Assert.Equal("configMetadata.authMetadata[2].id", Assert.Single(errors).Key);
        Assert.Contains("'key'", errors.Values.Single()[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("key\n")]
    public void An_auth_method_id_outside_the_id_pattern_is_refused(string id)
    {
        var input = Valid();
        input.ConfigMetadata = new ConfigMetadata { AuthMetadata = [new() { Id = id, Type = AuthType.ApiKey }] };
        Assert.Equal("configMetadata.authMetadata[0].id", Only(input));
    }

    [Fact]
    public void Auth_types_deserialize_from_their_seed_spelling()
    {
        var metadata = PortalJson.Deserialize<ConfigMetadata>("""{"authMetadata":[{"id":"a","type":"OAUTH2"},{"id":"b","type":"API_KEY"},{"id":"c","type":"BEARER_TOKEN"}]}""");
        Assert.Equal([AuthType.OAuth2, AuthType.ApiKey, AuthType.BearerToken], metadata.AuthMetadata.Select(a => a.Type));
    }

    // ---- credential settings ----

    [Theory]
    [InlineData("clientSecret")]
    [InlineData("client_secret")]
    [InlineData("ClientSecret")]
    [InlineData("apiKey")]
    [InlineData("API_KEY")]
    [InlineData("api-key")]
    [InlineData("password")]
    [InlineData("token")]
    [InlineData("accessToken")]
    [InlineData("refresh_token")]
    [InlineData("PrivateKey")]
    public void A_well_known_credential_setting_is_a_credential_for_any_method_in_any_spelling(string key)
    {
        Assert.True(IntegrationRules.IsCredentialSetting(new AuthMetadata { Id = "oauth", Type = AuthType.OAuth2 }, key));
    }

    [Theory]
    [InlineData("clientId")]
    [InlineData("tokenUrl")]
    [InlineData("token_type")]
    [InlineData("testUrl")]
    [InlineData("headerName")]
    [InlineData("apiKeyHeader")]
    public void An_ordinary_setting_is_not_a_credential(string key)
    {
        Assert.False(IntegrationRules.IsCredentialSetting(new AuthMetadata { Id = "oauth", Type = AuthType.OAuth2 }, key));
    }

    [Fact]
    public void A_credential_is_found_under_another_spelling_and_the_exact_name_wins()
    {
        Assert.Equal("k1", IntegrationRules.FindCredential(new Dictionary<string, string> { ["API_KEY"] = "k1", ["testUrl"] = "u" }, "apiKey"));
        Assert.Equal("k2", IntegrationRules.FindCredential(new Dictionary<string, string> { ["api-key"] = "k1", ["apiKey"] = "k2" }, "apiKey"));
        Assert.Null(IntegrationRules.FindCredential(new Dictionary<string, string> { ["apiKeyHeader"] = "X" }, "apiKey"));
    }

    [Fact]
    public void A_setting_named_after_a_parameter_declared_secret_is_a_credential()
    {
        var auth = new AuthMetadata
        {
            Id = "custom",
            ParametersMetadata = [new() { Name = "signingKey", Secret = true }, new() { Name = "accountId" }],
        };
        Assert.True(IntegrationRules.IsCredentialSetting(auth, "signingKey"));
        Assert.False(IntegrationRules.IsCredentialSetting(auth, "accountId"));
    }
}
