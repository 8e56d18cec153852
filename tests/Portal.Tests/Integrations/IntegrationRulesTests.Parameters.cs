using System.Text.Json.Nodes;
using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed partial class IntegrationRulesTests
{
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
}
