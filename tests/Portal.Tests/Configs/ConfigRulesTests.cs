using System.Text.Json.Nodes;
using Portal.Core.Common;
using Portal.Core.Configs;
using Portal.Core.Integrations;

namespace Portal.Tests.Configs;

public sealed class ConfigRulesTests
{
    private static readonly ConfigMetadata Metadata = PortalJson.Deserialize<ConfigMetadata>("""
        {
          "parametersMetadata": [
            {"name":"baseUrl","type":"String","required":true,"rules":[{"type":"url"}]},
            {"name":"apiToken","type":"String","secret":true},
            {"name":"region","type":"String","options":["eu","us"]},
            {"name":"port","type":"Integer","integerRange":{"min":1,"max":65535}}
          ],
          "authMetadata": [
            {"id":"key","type":"API_KEY","parametersMetadata":[{"name":"apiKey","secret":true,"required":true},{"name":"account","type":"String"}]},
            {"id":"oauth","type":"OAUTH2","authSettings":{"parameters":{
              "authorizationUrl":"https://idp.example/authorize","tokenUrl":"https://idp.example/token","clientId":"portal"}},
             "parametersMetadata":[{"name":"tenantHint","type":"String"}]}
          ]
        }
        """);

    private readonly ConfigContent _content = new() { DisplayName = "Prod" };
    private readonly Dictionary<string, Dictionary<string, string>> _credentials = new(StringComparer.Ordinal);

    private static ConfigInput Input(string json) => PortalJson.Deserialize<ConfigInput>(json);

    private IReadOnlyDictionary<string, string[]> Apply(ConfigInput input, ConfigMetadata? metadata = null)
    {
        var errors = new ValidationErrors();
        ConfigRules.Apply(metadata ?? Metadata, _content, _credentials, input, errors);
        return errors.Any ? errors.ToError().Errors! : new Dictionary<string, string[]>();
    }

    private IReadOnlyDictionary<string, string[]> Apply(string json) => Apply(Input(json));

    private void Stored(string section, string name, string value)
    {
        if (!_credentials.TryGetValue(section, out var bag))
        {
            _credentials[section] = bag = new(StringComparer.Ordinal);
        }

        bag[name] = value;
    }

    private string? Credential(string section, string name) =>
        _credentials.TryGetValue(section, out var bag) && bag.TryGetValue(name, out var value) ? value : null;

    // ---- parameters ----

    [Fact]
    public void A_secret_parameter_goes_to_the_credential_bag_and_not_into_the_content()
    {
        var errors = Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":"s3cr3t-token"}}""");
        Assert.Empty(errors);
        Assert.Equal("s3cr3t-token", Credential("parameters", "apiToken"));
        Assert.False(_content.Parameters.ContainsKey("apiToken"));
        Assert.DoesNotContain("s3cr3t-token", PortalJson.Serialize(_content), StringComparison.Ordinal);
        Assert.Equal("https://crm.example", _content.Parameters["baseUrl"]!.GetValue<string>());
    }

    [Fact]
    public void A_non_secret_parameter_is_kept_in_the_content_and_not_in_the_credential_bag()
    {
        Apply("""{"parameters":{"baseUrl":"https://crm.example","region":"eu","port":443}}""");
        Assert.Equal("eu", _content.Parameters["region"]!.GetValue<string>());
        Assert.Equal(443, _content.Parameters["port"]!.GetValue<int>());
        Assert.Empty(_credentials);
    }

    [Fact]
    public void An_omitted_secret_keeps_its_stored_value()
    {
        Stored("parameters", "apiToken", "old-token");
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Empty(Apply("""{"parameters":{"region":"us"}}"""));
        Assert.Equal("old-token", Credential("parameters", "apiToken"));
    }

    [Fact]
    public void A_new_secret_value_replaces_the_stored_one()
    {
        Stored("parameters", "apiToken", "old-token");
        Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":"new-token"}}""");
        Assert.Equal("new-token", Credential("parameters", "apiToken"));
    }

    [Fact]
    public void A_null_secret_clears_the_stored_value()
    {
        Stored("parameters", "apiToken", "old-token");
        Assert.Empty(Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":null}}"""));
        Assert.Null(Credential("parameters", "apiToken"));
        Assert.False(_content.Parameters.ContainsKey("apiToken"));
    }

    [Fact]
    public void Clearing_the_last_secret_of_a_section_drops_the_section()
    {
        Stored("parameters", "apiToken", "old-token");
        Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":null}}""");
        Assert.False(_credentials.ContainsKey("parameters"));
    }

    [Fact]
    public void A_null_required_secret_is_cleared_and_then_reported_as_required()
    {
        Stored("auth", "apiKey", "old-key");
        _content.Auth = new StoredAuth { AuthMetadataId = "key" };
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply("""{"auth":{"authMetadataId":"key","parameters":{"apiKey":null}}}""");
        Assert.Null(Credential("auth", "apiKey"));
        Assert.Equal("auth.parameters.apiKey", Assert.Single(errors).Key);
    }

    [Fact]
    public void An_empty_secret_clears_the_stored_value_like_null()
    {
        Stored("parameters", "apiToken", "old-token");
        Assert.Empty(Apply("""{"parameters":{"baseUrl":"https://crm.example","apiToken":""}}"""));
        Assert.Null(Credential("parameters", "apiToken"));
        Assert.False(_content.Parameters.ContainsKey("apiToken"));
    }

    [Fact]
    public void An_empty_value_does_not_satisfy_a_required_secret()
    {
        Stored("auth", "apiKey", "old-key");
        _content.Auth = new StoredAuth { AuthMetadataId = "key" };
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply("""{"auth":{"authMetadataId":"key","parameters":{"apiKey":""}}}""");
        Assert.Equal("auth.parameters.apiKey", Assert.Single(errors).Key);
        Assert.Null(Credential("auth", "apiKey"));
    }

    [Fact]
    public void A_null_non_secret_parameter_is_removed_from_the_content()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Parameters["region"] = "eu";
        Assert.Empty(Apply("""{"parameters":{"region":null}}"""));
        Assert.False(_content.Parameters.ContainsKey("region"));
        Assert.True(_content.Parameters.ContainsKey("baseUrl"));
    }

    [Fact]
    public void An_omitted_non_secret_parameter_keeps_its_value()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.Parameters["region"] = "eu";
        Apply("""{"parameters":{"port":8443}}""");
        Assert.Equal("eu", _content.Parameters["region"]!.GetValue<string>());
    }

    [Fact]
    public void An_unknown_parameter_is_refused_once_on_its_own_field()
    {
        var errors = Apply("""{"parameters":{"baseUrl":"https://crm.example","colour":"red"}}""");
        var field = Assert.Single(errors);
        Assert.Equal("parameters.colour", field.Key);
        Assert.Single(field.Value);
        Assert.False(_content.Parameters.ContainsKey("colour"));
    }

    [Fact]
    public void Parameter_values_are_validated_against_the_metadata()
    {
        var errors = Apply("""{"parameters":{"baseUrl":"crm","region":"ap","port":70000,"apiToken":12}}""");
        Assert.Equal(
            ["parameters.apiToken", "parameters.baseUrl", "parameters.port", "parameters.region"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_missing_required_parameter_is_reported()
    {
        Assert.Equal("parameters.baseUrl", Assert.Single(Apply("""{"parameters":{}}""")).Key);
    }

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

    // ---- signingSecretName, displayName, description ----

    [Theory]
    [InlineData("crm-signing")]
    [InlineData("a.b_c:d~e-f")]
    [InlineData("3kz2w7q5dt22x")]
    public void A_signing_secret_name_with_record_key_syntax_is_accepted(string name)
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        var errors = Apply(new ConfigInput { SigningSecretName = name });
        Assert.Empty(errors);
        Assert.Equal(name, _content.SigningSecretName);
    }

    [Theory]
    [InlineData("crm signing")]
    [InlineData("crm/signing")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("näme")]
    [InlineData("crm-signing\n")]
    public void A_signing_secret_name_outside_record_key_syntax_is_refused(string name)
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Equal("signingSecretName", Assert.Single(Apply(new ConfigInput { SigningSecretName = name })).Key);
    }

    [Fact]
    public void A_signing_secret_name_of_512_characters_is_accepted_and_of_513_refused()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Empty(Apply(new ConfigInput { SigningSecretName = new string('s', 512) }));
        Assert.Equal("signingSecretName", Assert.Single(Apply(new ConfigInput { SigningSecretName = new string('s', 513) })).Key);
    }

    [Fact]
    public void An_empty_signing_secret_name_unsets_it()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        _content.SigningSecretName = "crm-signing";
        Assert.Empty(Apply(new ConfigInput { SigningSecretName = "" }));
        Assert.Null(_content.SigningSecretName);
    }

    [Fact]
    public void A_display_name_is_trimmed_and_limited_to_one_hundred_characters()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Empty(Apply(new ConfigInput { DisplayName = "  Staging  " }));
        Assert.Equal("Staging", _content.DisplayName);
        Assert.Equal("displayName", Assert.Single(Apply(new ConfigInput { DisplayName = new string('n', 101) })).Key);
    }

    [Fact]
    public void A_description_is_limited_to_five_hundred_characters_and_an_empty_one_unsets_it()
    {
        _content.Parameters["baseUrl"] = "https://crm.example";
        Assert.Equal("description", Assert.Single(Apply(new ConfigInput { Description = new string('d', 501) })).Key);
        Apply(new ConfigInput { Description = "" });
        Assert.Null(_content.Description);
    }

    // ---- views ----

    [Fact]
    public void Secret_states_say_only_which_secrets_are_set()
    {
        var states = ConfigRules.SecretStates(Metadata.ParametersMetadata, new() { ["apiToken"] = "s3cr3t" });
        var state = Assert.Single(states);
        Assert.Equal("apiToken", state.Key);
        Assert.True(state.Value.Set);
        Assert.False(Assert.Single(ConfigRules.SecretStates(Metadata.ParametersMetadata, null)).Value.Set);
    }
}
