using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Integrations;

namespace Portal.Tests.Configs;

public sealed partial class ConfigRulesTests
{
    // ---- auth ----

    [Fact]
    public void Auth_secrets_go_to_the_auth_section_and_other_auth_parameters_into_the_content()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Empty(Apply("""{"auth":{"authMetadataId":"key","parameters":{"apiKey":"k-123","account":"acme"}}}"""));
        Assert.Equal("k-123", Credential("auth", "apiKey"));
        Assert.Equal("key", _content.Auth!.AuthMetadataId);
        Assert.False(_content.Auth.Parameters.ContainsKey("apiKey"));
        Assert.Equal("acme", _content.Auth.Parameters["account"]!.GetValue<string>());
    }

    [Fact]
    public void An_unknown_auth_method_is_refused_and_the_known_ids_are_listed()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply("""{"auth":{"authMetadataId":"saml","parameters":{}}}""");
        var message = Assert.Single(errors["auth.authMetadataId"]);
        Assert.Contains("'saml'", message, StringComparison.Ordinal);
        Assert.Contains("key, oauth", message, StringComparison.Ordinal);
        Assert.Null(_content.Auth);
    }

    [Fact]
    public void An_auth_method_on_an_integration_without_auth_methods_says_so()
    {
        var errors = Apply(Input("""{"auth":{"authMetadataId":"key"}}"""), new ConfigMetadata());
        Assert.Contains("declares no auth methods", Assert.Single(errors["auth.authMetadataId"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Switching_the_auth_method_drops_the_secrets_of_the_old_one()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Auth = new StoredAuth { AuthMetadataId = "key", Parameters = { ["account"] = "acme" } };
        Stored("auth", "apiKey", "old-key");
        Assert.Empty(Apply("""{"auth":{"authMetadataId":"oauth","parameters":{"tenantHint":"acme.example"}}}"""));
        Assert.Equal("oauth", _content.Auth!.AuthMetadataId);
        Assert.Null(Credential("auth", "apiKey"));
        Assert.False(_content.Auth.Parameters.ContainsKey("account"));
        Assert.Equal("acme.example", _content.Auth.Parameters["tenantHint"]!.GetValue<string>());
    }

    [Fact]
    public void Switching_back_to_the_old_auth_method_does_not_bring_its_secret_back()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Auth = new StoredAuth { AuthMetadataId = "key" };
        Stored("auth", "apiKey", "old-key");
        Apply("""{"auth":{"authMetadataId":"oauth"}}""");
        var errors = Apply("""{"auth":{"authMetadataId":"key"}}""");
        Assert.Equal("auth.parameters.apiKey", Assert.Single(errors).Key);
        Assert.Null(Credential("auth", "apiKey"));
    }

    [Fact]
    public void Keeping_the_auth_method_keeps_its_stored_secret()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Auth = new StoredAuth { AuthMetadataId = "key" };
        Stored("auth", "apiKey", "old-key");
        Assert.Empty(Apply("""{"auth":{"authMetadataId":"key","parameters":{"account":"acme"}}}"""));
        Assert.Equal("old-key", Credential("auth", "apiKey"));
    }

    [Fact]
    public void A_stored_auth_is_revalidated_when_the_body_does_not_touch_it()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Auth = new StoredAuth { AuthMetadataId = "key" };
        Assert.Equal("auth.parameters.apiKey", Assert.Single(Apply("{}")).Key);
    }

    [Fact]
    public void A_stored_auth_whose_method_was_removed_from_the_integration_is_reported()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Auth = new StoredAuth { AuthMetadataId = "legacy" };
        Assert.Equal("auth.authMetadataId", Assert.Single(Apply("{}")).Key);
    }

    // ---- authMap ----

    [Fact]
    public void Auth_map_secrets_go_to_a_section_per_key()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply("""
            {"authMap":[
              {"key":"eu","auth":{"authMetadataId":"key","parameters":{"apiKey":"eu-key"}}},
              {"key":"us","auth":{"authMetadataId":"key","parameters":{"apiKey":"us-key"}}}]}
            """);
        Assert.Empty(errors);
        Assert.Equal("eu-key", Credential(ConfigRules.AuthMapSection("eu"), "apiKey"));
        Assert.Equal("us-key", Credential(ConfigRules.AuthMapSection("us"), "apiKey"));
        Assert.Equal(["eu", "us"], _content.AuthMap!.Select(e => e.Key));
        Assert.DoesNotContain("eu-key", PortalJson.Serialize(_content), StringComparison.Ordinal);
    }

    [Fact]
    public void An_auth_map_key_given_twice_is_refused_on_the_second()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply("""
            {"authMap":[
              {"key":"eu","auth":{"authMetadataId":"key","parameters":{"apiKey":"a"}}},
              {"key":"eu","auth":{"authMetadataId":"key","parameters":{"apiKey":"b"}}}]}
            """);
        var field = Assert.Single(errors);
        Assert.Equal("authMap[1].key", field.Key);
        Assert.Contains("'eu'", Assert.Single(field.Value), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"authMap":[{"auth":{"authMetadataId":"key","parameters":{"apiKey":"a"}}}]}""", "authMap[0].key")]
    [InlineData("""{"authMap":[{"key":" ","auth":{"authMetadataId":"key","parameters":{"apiKey":"a"}}}]}""", "authMap[0].key")]
    [InlineData("""{"authMap":[{"key":"eu"}]}""", "authMap[0].auth")]
    public void An_auth_map_entry_needs_a_key_and_an_auth(string body, string field)
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Equal(field, Assert.Single(Apply(body)).Key);
    }

    [Fact]
    public void An_auth_map_key_left_out_of_a_new_map_loses_its_secrets()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Apply("""
            {"authMap":[
              {"key":"eu","auth":{"authMetadataId":"key","parameters":{"apiKey":"eu-key"}}},
              {"key":"us","auth":{"authMetadataId":"key","parameters":{"apiKey":"us-key"}}}]}
            """);
        Assert.Empty(Apply("""{"authMap":[{"key":"us","auth":{"authMetadataId":"key"}}]}"""));
        Assert.False(_credentials.ContainsKey(ConfigRules.AuthMapSection("eu")));
        Assert.Equal("us-key", Credential(ConfigRules.AuthMapSection("us"), "apiKey"));
    }

    [Fact]
    public void Both_auth_and_auth_map_are_refused_on_auth_map()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply("""
            {"auth":{"authMetadataId":"oauth"},
             "authMap":[{"key":"eu","auth":{"authMetadataId":"key","parameters":{"apiKey":"a"}}}]}
            """);
        Assert.Equal("authMap", Assert.Single(errors).Key);
    }

    [Fact]
    public void Adding_an_auth_map_to_a_config_that_has_auth_is_refused_on_auth_map()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Auth = new StoredAuth { AuthMetadataId = "oauth" };
        var errors = Apply("""{"authMap":[{"key":"eu","auth":{"authMetadataId":"key","parameters":{"apiKey":"a"}}}]}""");
        Assert.Equal("authMap", Assert.Single(errors).Key);
    }
}
