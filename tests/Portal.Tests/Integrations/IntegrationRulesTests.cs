using System.Text.Json.Nodes;
using Portal.Core.Common;
using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed class IntegrationRulesTests
{
    private static IntegrationInput Valid() => new() { Id = "crm", DisplayName = "CRM", Description = "Our CRM", Tags = ["sales", "eu"] };

    private static IntegrationInput WithMetadata(string configMetadataJson)
    {
        var input = Valid();
        input.ConfigMetadata = PortalJson.Deserialize<ConfigMetadata>(configMetadataJson);
        return input;
    }

    private static IReadOnlyDictionary<string, string[]> Check(IntegrationInput input, bool creating = true)
    {
        var errors = new ValidationErrors();
        IntegrationRules.Check(input, creating, errors);
        return errors.Any ? errors.ToError().Errors! : new Dictionary<string, string[]>();
    }

    private static string Only(IntegrationInput input) => Assert.Single(Check(input)).Key;

    [Fact]
    public void A_complete_valid_integration_has_no_errors()
    {
        var input = WithMetadata("""
            {
              "parametersMetadata": [
                {"name":"baseUrl","type":"String","required":true,"rules":[{"type":"url"}]},
                {"name":"port","type":"Integer","integerRange":{"min":1,"max":65535},"defaultValue":"443"},
                {"name":"apiToken","type":"String","secret":true,"required":true},
                {"name":"region","type":"String","options":["eu",{"value":"us","displayName":"US"}],"defaultValue":"eu"},
                {"name":"filter","type":"Json","jsonSchema":{"type":"object"},"defaultValue":"{}"}
              ],
              "authMetadata": [
                {"id":"oauth","type":"OAUTH2","authSettings":{"parameters":{
                  "authorizationUrl":"https://idp.example/authorize","tokenUrl":"https://idp.example/token",
                  "clientId":"portal","clientSecret":"s","scopes":["read","write"]}}},
                {"id":"key","type":"API_KEY","authSettings":{"parameters":{"testUrl":"https://crm.example/me","headerName":"X-Api-Key"}},
                 "parametersMetadata":[{"name":"apiKey","secret":true,"required":true}]}
              ]
            }
            """);
        Assert.Empty(Check(input));
    }

    // ---- id ----

    [Theory]
    [InlineData("crm")]
    [InlineData("CRM_v2-eu")]
    [InlineData("0")]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    public void A_valid_id_is_accepted(string id)
    {
        var input = Valid();
        input.Id = id;
        Assert.Empty(Check(input));
    }

    [Fact]
    public void An_id_of_sixty_four_characters_is_accepted()
    {
        var input = Valid();
        input.Id = new string('a', 64);
        Assert.Empty(Check(input));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("my crm")]
    [InlineData(" crm")]
    [InlineData("crm/eu")]
    [InlineData("crm.eu")]
    [InlineData("crm\n")]
    public void An_invalid_id_is_refused_on_id(string? id)
    {
        var input = Valid();
        input.Id = id;
        Assert.Equal("id", Only(input));
    }

    [Fact]
    public void An_id_of_sixty_five_characters_is_refused()
    {
        var input = Valid();
        input.Id = new string('a', 65);
        Assert.Equal("id", Only(input));
    }

    [Fact]
    public void The_id_is_not_checked_on_update()
    {
        var input = Valid();
        input.Id = null;
        Assert.Empty(Check(input, creating: false));
    }

    // ---- displayName, description ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_display_name_is_required(string? displayName)
    {
        var input = Valid();
        input.DisplayName = displayName;
        Assert.Equal("displayName", Only(input));
    }

    [Fact]
    public void A_display_name_of_one_hundred_characters_is_accepted_and_of_one_hundred_and_one_refused()
    {
        var input = Valid();
        input.DisplayName = new string('n', 100);
        Assert.Empty(Check(input));
        input.DisplayName = new string('n', 101);
        Assert.Equal("displayName", Only(input));
    }

    [Fact]
    public void A_description_of_five_hundred_characters_is_accepted_and_of_five_hundred_and_one_refused()
    {
        var input = Valid();
        input.Description = new string('d', 500);
        Assert.Empty(Check(input));
        input.Description = new string('d', 501);
        Assert.Equal("description", Only(input));
    }

    [Fact]
    public void A_description_may_be_left_out()
    {
        var input = Valid();
        input.Description = null;
        Assert.Empty(Check(input));
    }

    // ---- tags ----

    [Fact]
    public void Twenty_tags_are_accepted_and_twenty_one_refused()
    {
        var input = Valid();
        input.Tags = Enumerable.Range(0, 20).Select(i => $"t{i}").ToList();
        Assert.Empty(Check(input));
        input.Tags.Add("t20");
        Assert.Equal("tags", Only(input));
    }

    [Theory]
    [InlineData("team:sales")]
    [InlineData("v1.2_beta-3")]
    public void A_tag_of_letters_digits_and_separators_is_accepted(string tag)
    {
        var input = Valid();
        input.Tags = [tag];
        Assert.Empty(Check(input));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("a/b")]
    [InlineData("ünï")]
    [InlineData("sales\n")]
    public void A_tag_outside_the_pattern_is_refused(string tag)
    {
        var input = Valid();
        input.Tags = ["ok", tag];
        Assert.Equal("tags", Only(input));
    }

    [Fact]
    public void A_tag_of_fifty_characters_is_accepted_and_of_fifty_one_refused()
    {
        var input = Valid();
        input.Tags = [new string('t', 50)];
        Assert.Empty(Check(input));
        input.Tags = [new string('t', 51)];
        Assert.Equal("tags", Only(input));
    }

    [Fact]
    public void A_null_tag_is_refused_rather_than_crashing()
    {
        var input = Valid();
        input.Tags = [null!];
        Assert.Equal("tags", Only(input));
    }

    // ---- parameters ----

    [Fact]
    public void A_parameter_name_declared_twice_is_refused_on_the_second()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"baseUrl"},{"name":"port","type":"Integer"},{"name":"baseUrl"}]}""");
        var errors = Check(input);
        Assert.Equal("configMetadata.parametersMetadata[2].name", Assert.Single(errors).Key);
        Assert.Contains("baseUrl", errors.Values.Single()[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1st")]
    [InlineData("has space")]
    [InlineData("baseUrl\n")]
    public void A_parameter_name_outside_the_pattern_is_refused(string name)
    {
        var input = Valid();
        input.ConfigMetadata = new ConfigMetadata { ParametersMetadata = [new() { Name = name }] };
        Assert.Equal("configMetadata.parametersMetadata[0].name", Only(input));
    }

    [Fact]
    public void An_integer_range_whose_min_exceeds_its_max_is_refused()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"port","type":"Integer","integerRange":{"min":10,"max":1}}]}""");
        Assert.Equal("configMetadata.parametersMetadata[0].integerRange", Only(input));
    }

    [Fact]
    public void A_float_range_whose_min_exceeds_its_max_is_refused()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"ratio","type":"Float","floatRange":{"min":1.5,"max":1.25}}]}""");
        Assert.Equal("configMetadata.parametersMetadata[0].floatRange", Only(input));
    }

    [Fact]
    public void A_range_with_equal_bounds_or_one_bound_is_accepted()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"a","type":"Integer","integerRange":{"min":5,"max":5}},{"name":"b","type":"Integer","integerRange":{"min":5}}]}""");
        Assert.Empty(Check(input));
    }

    [Fact]
    public void An_empty_options_list_is_refused()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"region","options":[]}]}""");
        Assert.Equal("configMetadata.parametersMetadata[0].options", Only(input));
    }

    [Fact]
    public void Null_options_mean_any_value()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"region","options":null}]}""");
        Assert.Empty(Check(input));
    }

    [Theory]
    [InlineData("""{"$ref":"#/definitions/missing"}""")]
    [InlineData("42")]
    [InlineData("\"object\"")]
    [InlineData("[1,2]")]
    [InlineData("""{"properties":5}""")]
    [InlineData("""{"minLength":"long"}""")]
    public void An_invalid_json_schema_is_refused(string schema)
    {
        var input = Valid();
        input.ConfigMetadata = new ConfigMetadata { ParametersMetadata = [new() { Name = "filter", Type = ParameterType.Json, JsonSchema = JsonNode.Parse(schema) }] };
        Assert.Equal("configMetadata.parametersMetadata[0].jsonSchema", Only(input));
    }

    [Fact]
    public void A_usable_json_schema_is_accepted()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"filter","type":"Json","jsonSchema":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}]}""");
        Assert.Empty(Check(input));
    }

    [Fact]
    public void An_unknown_rule_type_is_refused()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"code","rules":[{"type":"uppercase"}]}]}""");
        var errors = Check(input);
        Assert.Equal("configMetadata.parametersMetadata[0].rules", Assert.Single(errors).Key);
        Assert.Contains("uppercase", errors.Values.Single()[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"regex","value":"["}""")]
    [InlineData("""{"type":"regex","value":"(?<"}""")]
    [InlineData("""{"type":"regex"}""")]
    [InlineData("""{"type":"regex","value":42}""")]
    public void A_regex_rule_without_a_valid_pattern_is_refused(string rule)
    {
        var input = WithMetadata($$"""{"parametersMetadata":[{"name":"code","rules":[{{rule}}]}]}""");
        Assert.Equal("configMetadata.parametersMetadata[0].rules", Only(input));
    }

    [Fact]
    public void Every_known_rule_type_is_accepted()
    {
        var input = WithMetadata("""
            {"parametersMetadata":[{"name":"code","rules":[
              {"type":"regex","value":"^[a-z]+$"},{"type":"minLength","value":1},{"type":"maxLength","value":9},
              {"type":"url"},{"type":"email"},{"type":"notEmpty"}]}]}
            """);
        Assert.Empty(Check(input));
    }

    [Fact]
    public void A_secret_parameter_with_a_default_value_is_refused()
    {
        var input = WithMetadata("""{"parametersMetadata":[{"name":"apiToken","secret":true,"defaultValue":"changeme"}]}""");
        Assert.Equal("configMetadata.parametersMetadata[0].defaultValue", Only(input));
    }

    [Theory]
    [InlineData("Integer", "eighty")]
    [InlineData("Integer", "1.5")]
    [InlineData("Float", "fast")]
    [InlineData("Boolean", "yes")]
    [InlineData("Boolean", "1")]
    public void A_default_value_that_does_not_match_the_type_is_refused(string type, string defaultValue)
    {
        var input = WithMetadata($$"""{"parametersMetadata":[{"name":"p","type":"{{type}}","defaultValue":"{{defaultValue}}"}]}""");
        Assert.Equal("configMetadata.parametersMetadata[0].defaultValue", Only(input));
    }

    [Theory]
    [InlineData("""{"name":"port","type":"Integer","integerRange":{"max":100},"defaultValue":"8080"}""")]
    [InlineData("""{"name":"region","options":["eu","us"],"defaultValue":"ap"}""")]
    [InlineData("""{"name":"code","rules":[{"type":"maxLength","value":2}],"defaultValue":"abc"}""")]
    [InlineData("""{"name":"filter","type":"Json","jsonSchema":{"type":"object"},"defaultValue":"[1]"}""")]
    public void A_default_value_that_breaks_its_own_parameter_rules_is_refused(string parameter)
    {
        var input = WithMetadata($$"""{"parametersMetadata":[{{parameter}}]}""");
        Assert.Equal("configMetadata.parametersMetadata[0].defaultValue", Only(input));
    }

    [Theory]
    [InlineData("Integer", "8080")]
    [InlineData("Float", "0.5")]
    [InlineData("Boolean", "false")]
    [InlineData("String", "42")]
    public void A_default_value_that_matches_the_type_is_accepted(string type, string defaultValue)
    {
        var input = WithMetadata($$"""{"parametersMetadata":[{"name":"p","type":"{{type}}","defaultValue":"{{defaultValue}}"}]}""");
        Assert.Empty(Check(input));
    }

    [Fact]
    public void Parameters_of_an_auth_method_and_of_its_auth_map_are_checked_too()
    {
        var input = WithMetadata("""
            {"authMetadata":[{"id":"key","type":"API_KEY",
              "parametersMetadata":[{"name":"apiKey","secret":true,"defaultValue":"x"}],
              "authMap":{"useMap":true,"parametersMetadata":[{"name":"n","type":"Integer","integerRange":{"min":2,"max":1}}]}}]}
            """);
        var errors = Check(input);
        Assert.Equal(
            ["configMetadata.authMetadata[0].authMap.parametersMetadata[0].integerRange", "configMetadata.authMetadata[0].parametersMetadata[0].defaultValue"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""{"parametersMetadata":null,"authMetadata":null}""")]
    [InlineData("""{"parametersMetadata":[{"name":"a","rules":null,"options":null,"integerRange":null,"jsonSchema":null}]}""")]
    [InlineData("""{"authMetadata":[{"id":"a","type":"API_KEY","authMap":null,"authSettings":null,"parametersMetadata":null,"supportedLevels":null,"availableScopes":null}]}""")]
    [InlineData("""{"authMetadata":[{"id":"a","type":"API_KEY","authMap":{"useMap":false,"parametersMetadata":null},"authSettings":{"parameters":null}}]}""")]
    public void Lists_and_objects_sent_as_null_read_as_empty(string configMetadata)
    {
        Assert.Empty(Check(WithMetadata(configMetadata)));
    }

    [Fact]
    public void An_oauth2_method_with_null_auth_settings_is_refused_rather_than_crashing()
    {
        var input = WithMetadata("""{"authMetadata":[{"id":"oauth","type":"OAUTH2","authSettings":null}]}""");
        Assert.Equal(3, Check(input).Count);
    }

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
