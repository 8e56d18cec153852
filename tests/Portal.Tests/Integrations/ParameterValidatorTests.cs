using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Core.Common;
using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed class ParameterValidatorTests
{
    private static ParameterMetadata Meta(string json) => PortalJson.Deserialize<ParameterMetadata>(json);

    private static ParameterMetadata Param(ParameterType type, string name = "p") => new() { Name = name, Type = type };

    /// <summary>A value as it arrives on the wire.</summary>
    private static JsonNode? Json(string json) => JsonNode.Parse(json);

    private static List<string> Check(ParameterMetadata meta, string json) => ParameterValidator.Check(meta, Json(json));

    // ---- types ----

    [Theory]
    [InlineData("\"text\"")]
    [InlineData("\"\"")]
    public void A_string_parameter_accepts_a_string(string value)
    {
        Assert.Empty(Check(Param(ParameterType.String), value));
    }

    [Theory]
    [InlineData("42")]
    [InlineData("true")]
    [InlineData("{\"a\":1}")]
    [InlineData("[\"a\"]")]
    public void A_string_parameter_refuses_anything_but_a_string(string value)
    {
        Assert.Equal(["p must be a string."], Check(Param(ParameterType.String), value));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-17")]
    [InlineData("9223372036854775807")]
    public void An_integer_parameter_accepts_a_whole_number(string value)
    {
        Assert.Empty(Check(Param(ParameterType.Integer), value));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("\"8080\"")]
    [InlineData("true")]
    [InlineData("{}")]
    [InlineData("9223372036854775808")]
    public void An_integer_parameter_refuses_fractions_text_and_other_kinds(string value)
    {
        Assert.Equal(["p must be a whole number."], Check(Param(ParameterType.Integer), value));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("3")]
    [InlineData("-2e3")]
    public void A_float_parameter_accepts_any_number(string value)
    {
        Assert.Empty(Check(Param(ParameterType.Float), value));
    }

    [Fact]
    public void A_float_parameter_accepts_numbers_built_in_code_of_any_numeric_type()
    {
        var meta = Param(ParameterType.Float);
        meta.FloatRange = new NumberRange { Max = 10 };
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(3)));
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(3L)));
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(3.5m)));
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(3.5f)));
        Assert.Equal(["p must be at most 10."], ParameterValidator.Check(meta, JsonValue.Create(11)));
    }

    [Fact]
    public void An_integer_parameter_accepts_numbers_built_in_code()
    {
        var meta = Param(ParameterType.Integer);
        meta.IntegerRange = new NumberRange { Min = 1 };
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(3)));
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(3L)));
        Assert.Equal(["p must be at least 1."], ParameterValidator.Check(meta, JsonValue.Create(0)));
    }

    [Theory]
    [InlineData("\"1.5\"")]
    [InlineData("false")]
    [InlineData("[1]")]
    public void A_float_parameter_refuses_anything_but_a_number(string value)
    {
        Assert.Equal(["p must be a number."], Check(Param(ParameterType.Float), value));
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public void A_boolean_parameter_accepts_true_and_false(string value)
    {
        Assert.Empty(Check(Param(ParameterType.Boolean), value));
    }

    [Theory]
    [InlineData("\"true\"")]
    [InlineData("1")]
    [InlineData("{}")]
    public void A_boolean_parameter_refuses_strings_and_numbers(string value)
    {
        Assert.Equal(["p must be true or false."], Check(Param(ParameterType.Boolean), value));
    }

    [Theory]
    [InlineData("{\"a\":[1,2]}")]
    [InlineData("[1,\"x\"]")]
    [InlineData("12")]
    [InlineData("\"text\"")]
    public void A_json_parameter_without_schema_accepts_any_json_value(string value)
    {
        Assert.Empty(Check(Param(ParameterType.Json), value));
    }

    [Fact]
    public void A_json_parameter_refuses_a_value_its_schema_does_not_allow()
    {
        var meta = Param(ParameterType.Json);
        meta.JsonSchema = Json("""{"type":"object"}""");
        var errors = Check(meta, "[1,2]");
        Assert.Single(errors);
        Assert.Contains("p does not match its schema", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_error_names_the_parameter_by_its_display_name()
    {
        var meta = Param(ParameterType.Integer, "port");
        meta.DisplayName = "Port number";
        Assert.Equal(["Port number must be a whole number."], Check(meta, "\"x\""));
    }

    [Fact]
    public void A_blank_display_name_falls_back_to_the_parameter_name()
    {
        var meta = Param(ParameterType.Integer, "port");
        meta.DisplayName = "  ";
        Assert.Equal(["port must be a whole number."], Check(meta, "\"x\""));
    }

    // ---- ranges ----

    [Theory]
    [InlineData("1")]
    [InlineData("80")]
    [InlineData("65535")]
    public void An_integer_inside_its_range_including_the_bounds_is_accepted(string value)
    {
        var meta = Meta("""{"name":"port","type":"Integer","integerRange":{"min":1,"max":65535}}""");
        Assert.Empty(Check(meta, value));
    }

    [Fact]
    public void An_integer_below_its_minimum_is_refused()
    {
        var meta = Meta("""{"name":"port","type":"Integer","integerRange":{"min":1,"max":65535}}""");
        Assert.Equal(["port must be at least 1."], Check(meta, "0"));
    }

    [Fact]
    public void An_integer_above_its_maximum_is_refused()
    {
        var meta = Meta("""{"name":"port","type":"Integer","integerRange":{"min":1,"max":65535}}""");
        Assert.Equal(["port must be at most 65535."], Check(meta, "65536"));
    }

    [Fact]
    public void An_integer_range_with_only_a_minimum_has_no_upper_bound()
    {
        var meta = Meta("""{"name":"n","type":"Integer","integerRange":{"min":10}}""");
        Assert.Empty(Check(meta, "1000000"));
        Assert.Equal(["n must be at least 10."], Check(meta, "9"));
    }

    [Fact]
    public void A_float_below_its_minimum_is_refused()
    {
        var meta = Meta("""{"name":"ratio","type":"Float","floatRange":{"min":0.5,"max":2.5}}""");
        Assert.Equal(["ratio must be at least 0.5."], Check(meta, "0.49"));
    }

    [Fact]
    public void A_float_above_its_maximum_is_refused()
    {
        var meta = Meta("""{"name":"ratio","type":"Float","floatRange":{"min":0.5,"max":2.5}}""");
        Assert.Equal(["ratio must be at most 2.5."], Check(meta, "2.51"));
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("1")]
    [InlineData("2.5")]
    public void A_float_inside_its_range_including_the_bounds_is_accepted(string value)
    {
        var meta = Meta("""{"name":"ratio","type":"Float","floatRange":{"min":0.5,"max":2.5}}""");
        Assert.Empty(Check(meta, value));
    }

    [Fact]
    public void A_float_range_does_not_apply_to_an_integer_parameter()
    {
        var meta = Meta("""{"name":"n","type":"Integer","floatRange":{"max":1}}""");
        Assert.Empty(Check(meta, "5"));
    }

    // ---- options ----

    [Fact]
    public void A_value_among_string_options_is_accepted()
    {
        var meta = Meta("""{"name":"region","type":"String","options":["eu","us"]}""");
        Assert.Empty(Check(meta, "\"us\""));
    }

    [Fact]
    public void A_value_outside_string_options_is_refused_and_the_options_are_listed()
    {
        var meta = Meta("""{"name":"region","type":"String","options":["eu","us"]}""");
        Assert.Equal(["region must be one of: eu, us."], Check(meta, "\"ap\""));
    }

    [Fact]
    public void Options_compare_case_sensitively()
    {
        var meta = Meta("""{"name":"region","type":"String","options":["eu","us"]}""");
        Assert.Single(Check(meta, "\"EU\""));
    }

    [Fact]
    public void Object_options_accept_their_value_and_not_their_display_name()
    {
        var meta = Meta("""{"name":"region","type":"String","options":[{"value":"eu","displayName":"Europe"},{"value":"us","displayName":"United States"}]}""");
        Assert.Empty(Check(meta, "\"eu\""));
        Assert.Equal(["region must be one of: eu, us."], Check(meta, "\"Europe\""));
    }

    [Fact]
    public void Object_options_keep_their_display_name()
    {
        var meta = Meta("""{"name":"region","options":[{"value":"eu","displayName":"Europe"},"us"]}""");
        Assert.Equal("Europe", meta.Options![0].DisplayName);
        Assert.Equal("us", meta.Options[1].Value);
        Assert.Null(meta.Options[1].DisplayName);
    }

    [Fact]
    public void An_option_object_without_a_value_does_not_deserialize()
    {
        Assert.ThrowsAny<JsonException>(() => Meta("""{"name":"region","options":[{"displayName":"Europe"}]}"""));
    }

    // ---- rules ----

    [Fact]
    public void A_regex_rule_accepts_a_matching_value()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"regex","value":"^[a-z]{3}$"}]}""");
        Assert.Empty(Check(meta, "\"abc\""));
    }

    [Fact]
    public void A_regex_rule_refuses_a_value_that_does_not_match()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"regex","value":"^[a-z]{3}$"}]}""");
        Assert.Equal(["code does not have the expected format."], Check(meta, "\"ABC\""));
    }

    [Fact]
    public void A_regex_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"regex","value":"^[a-z]{3}$","message":"Three lowercase letters, please."}]}""");
        Assert.Equal(["Three lowercase letters, please."], Check(meta, "\"abcd\""));
    }

    [Fact]
    public void A_min_length_rule_refuses_a_shorter_value_and_accepts_the_exact_length()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"minLength","value":3}]}""");
        Assert.Equal(["code must be at least 3 characters long."], Check(meta, "\"ab\""));
        Assert.Empty(Check(meta, "\"abc\""));
    }

    [Fact]
    public void A_min_length_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"minLength","value":3,"message":"Too short."}]}""");
        Assert.Equal(["Too short."], Check(meta, "\"ab\""));
    }

    [Fact]
    public void A_max_length_rule_refuses_a_longer_value_and_accepts_the_exact_length()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"maxLength","value":5}]}""");
        Assert.Equal(["code must be at most 5 characters long."], Check(meta, "\"abcdef\""));
        Assert.Empty(Check(meta, "\"abcde\""));
    }

    [Fact]
    public void A_max_length_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"code","rules":[{"type":"maxLength","value":5,"message":"Too long."}]}""");
        Assert.Equal(["Too long."], Check(meta, "\"abcdef\""));
    }

    [Theory]
    [InlineData("https://crm.example/api")]
    [InlineData("http://localhost:8080")]
    public void A_url_rule_accepts_an_absolute_http_or_https_url(string url)
    {
        var meta = Meta("""{"name":"baseUrl","rules":[{"type":"url"}]}""");
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(url)));
    }

    [Theory]
    [InlineData("crm.example")]
    [InlineData("/relative/path")]
    [InlineData("ftp://crm.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("not a url")]
    public void A_url_rule_refuses_anything_but_an_absolute_http_or_https_url(string url)
    {
        var meta = Meta("""{"name":"baseUrl","rules":[{"type":"url"}]}""");
        Assert.Equal(["baseUrl must be an absolute http(s) URL."], ParameterValidator.Check(meta, JsonValue.Create(url)));
    }

    [Fact]
    public void A_url_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"baseUrl","rules":[{"type":"url","message":"Give the CRM address."}]}""");
        Assert.Equal(["Give the CRM address."], Check(meta, "\"crm\""));
    }

    [Theory]
    [InlineData("ops@example.com")]
    [InlineData("a@b")]
    public void An_email_rule_accepts_an_address(string email)
    {
        var meta = Meta("""{"name":"contact","rules":[{"type":"email"}]}""");
        Assert.Empty(ParameterValidator.Check(meta, JsonValue.Create(email)));
    }

    [Theory]
    [InlineData("ops.example.com")]
    [InlineData("@example.com")]
    [InlineData("ops@")]
    public void An_email_rule_refuses_what_is_not_an_address(string email)
    {
        var meta = Meta("""{"name":"contact","rules":[{"type":"email"}]}""");
        Assert.Equal(["contact must be an e-mail address."], ParameterValidator.Check(meta, JsonValue.Create(email)));
    }

    [Fact]
    public void An_email_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"contact","rules":[{"type":"email","message":"Who should we write to?"}]}""");
        Assert.Equal(["Who should we write to?"], Check(meta, "\"nobody\""));
    }

    [Fact]
    public void A_not_empty_rule_refuses_whitespace()
    {
        var meta = Meta("""{"name":"team","rules":[{"type":"notEmpty"}]}""");
        Assert.Equal(["team must not be empty."], Check(meta, "\"   \""));
        Assert.Empty(Check(meta, "\" x \""));
    }

    [Fact]
    public void A_not_empty_rule_uses_its_custom_message()
    {
        var meta = Meta("""{"name":"team","rules":[{"type":"notEmpty","message":"Name a team."}]}""");
        Assert.Equal(["Name a team."], Check(meta, "\"\\t\""));
    }

    [Fact]
    public void Every_failing_rule_reports_its_own_message()
    {
        var meta = Meta("""
            {"name":"code","rules":[
              {"type":"minLength","value":5,"message":"short"},
              {"type":"regex","value":"^[0-9]+$","message":"digits"},
              {"type":"maxLength","value":10,"message":"long"}]}
            """);
        Assert.Equal(["short", "digits"], Check(meta, "\"ab\""));
    }

    [Fact]
    public void Rules_apply_only_to_string_values()
    {
        var meta = Meta("""{"name":"n","type":"Integer","rules":[{"type":"minLength","value":5},{"type":"regex","value":"^x$"}]}""");
        Assert.Empty(Check(meta, "12"));
    }

    [Fact]
    public void Rules_do_not_run_on_a_value_of_the_wrong_type()
    {
        var meta = Meta("""{"name":"code","type":"String","rules":[{"type":"minLength","value":5}]}""");
        Assert.Equal(["code must be a string."], Check(meta, "1"));
    }

    // ---- required and defaults ----

    [Fact]
    public void A_required_parameter_without_a_value_is_refused()
    {
        var meta = Meta("""{"name":"baseUrl","displayName":"Base URL","required":true}""");
        Assert.Equal(["Base URL is required."], ParameterValidator.Check(meta, null));
        Assert.Equal(["Base URL is required."], Check(meta, "\"\""));
    }

    [Fact]
    public void A_required_parameter_with_a_default_value_may_be_left_out()
    {
        var meta = Meta("""{"name":"region","required":true,"defaultValue":"eu"}""");
        Assert.Empty(ParameterValidator.Check(meta, null));
    }

    [Fact]
    public void An_optional_parameter_may_be_left_out()
    {
        var meta = Meta("""{"name":"region","type":"Integer","rules":[{"type":"notEmpty"}]}""");
        Assert.Empty(ParameterValidator.Check(meta, null));
    }

    [Fact]
    public void A_required_parameter_with_a_value_passes()
    {
        var meta = Meta("""{"name":"port","type":"Integer","required":true}""");
        Assert.Empty(Check(meta, "443"));
    }

    // ---- jsonSchema ----

    private const string ObjectSchema = """
        {"type":"object","properties":{"retries":{"type":"integer","minimum":0},"mode":{"enum":["fast","safe"]}},"required":["retries"]}
        """;

    [Fact]
    public void A_value_valid_against_its_json_schema_is_accepted()
    {
        var meta = new ParameterMetadata { Name = "policy", Type = ParameterType.Json, JsonSchema = Json(ObjectSchema) };
        Assert.Empty(Check(meta, """{"retries":3,"mode":"safe"}"""));
    }

    [Fact]
    public void A_value_invalid_against_its_json_schema_is_refused_with_the_parameter_named()
    {
        var meta = new ParameterMetadata { Name = "policy", DisplayName = "Retry policy", Type = ParameterType.Json, JsonSchema = Json(ObjectSchema) };
        var errors = Check(meta, """{"retries":"three"}""");
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.StartsWith("Retry policy does not match its schema", e, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("retries", StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_missing_a_property_its_json_schema_requires_is_refused()
    {
        var meta = new ParameterMetadata { Name = "policy", Type = ParameterType.Json, JsonSchema = Json(ObjectSchema) };
        Assert.Single(Check(meta, """{"mode":"fast"}"""));
    }

    [Fact]
    public void A_json_schema_also_constrains_a_string_parameter()
    {
        var meta = new ParameterMetadata { Name = "code", JsonSchema = Json("""{"type":"string","maxLength":3}""") };
        Assert.Empty(Check(meta, "\"abc\""));
        Assert.Single(Check(meta, "\"abcd\""));
    }

    [Fact]
    public void At_most_five_schema_problems_are_reported()
    {
        var schema = """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"},"d":{"type":"integer"},"e":{"type":"integer"},"f":{"type":"integer"},"g":{"type":"integer"}}}""";
        var meta = new ParameterMetadata { Name = "p", Type = ParameterType.Json, JsonSchema = Json(schema) };
        Assert.Equal(5, Check(meta, """{"a":"x","b":"x","c":"x","d":"x","e":"x","f":"x","g":"x"}""").Count);
    }

    // ---- CheckAll ----

    private static readonly List<ParameterMetadata> Declared =
    [
        new() { Name = "baseUrl", Required = true },
        new() { Name = "apiToken", Required = true, Secret = true },
        new() { Name = "port", Type = ParameterType.Integer },
    ];

    private static Dictionary<string, string[]> CheckAll(Dictionary<string, JsonNode?> values, params string[] setSecrets)
    {
        var errors = new ValidationErrors();
        ParameterValidator.CheckAll(Declared, values, new HashSet<string>(setSecrets, StringComparer.Ordinal), "parameters", errors);
        return errors.Any ? new Dictionary<string, string[]>(errors.ToError().Errors!) : [];
    }

    [Fact]
    public void Check_all_accepts_a_complete_set_of_values()
    {
        Assert.Empty(CheckAll(new() { ["baseUrl"] = "https://crm.example", ["apiToken"] = "t", ["port"] = 443 }));
    }

    [Fact]
    public void Check_all_refuses_a_name_the_metadata_does_not_declare()
    {
        var errors = CheckAll(new() { ["baseUrl"] = "https://crm.example", ["apiToken"] = "t", ["colour"] = "red" });
        var field = Assert.Single(errors);
        Assert.Equal("parameters.colour", field.Key);
        Assert.Equal(["'colour' is not a parameter of this integration."], field.Value);
    }

    [Fact]
    public void Check_all_reports_each_error_under_the_prefixed_parameter_name()
    {
        var errors = CheckAll(new() { ["port"] = "x" });
        Assert.Equal(["parameters.apiToken", "parameters.baseUrl", "parameters.port"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["port must be a whole number."], errors["parameters.port"]);
        Assert.Equal(["baseUrl is required."], errors["parameters.baseUrl"]);
    }

    [Fact]
    public void Check_all_counts_a_stored_secret_as_satisfying_required()
    {
        Assert.Empty(CheckAll(new() { ["baseUrl"] = "https://crm.example" }, "apiToken"));
    }

    [Fact]
    public void Check_all_still_requires_a_secret_that_is_not_stored()
    {
        var errors = CheckAll(new() { ["baseUrl"] = "https://crm.example" });
        Assert.Equal(["apiToken is required."], Assert.Single(errors).Value);
    }

    [Fact]
    public void A_stored_secret_does_not_satisfy_required_for_a_parameter_that_is_not_secret()
    {
        var errors = CheckAll(new() { ["apiToken"] = "t" }, "baseUrl");
        Assert.Equal("parameters.baseUrl", Assert.Single(errors).Key);
    }

    // ---- ParseDefault ----

    [Fact]
    public void An_integer_default_parses_to_a_number()
    {
        var value = ParameterValidator.ParseDefault(new ParameterMetadata { Name = "port", Type = ParameterType.Integer, DefaultValue = "8080" });
        Assert.Equal(JsonValueKind.Number, value!.GetValueKind());
        Assert.Equal(8080, value.GetValue<int>());
    }

    [Fact]
    public void A_string_default_stays_a_string_even_when_it_looks_like_a_number()
    {
        var value = ParameterValidator.ParseDefault(new ParameterMetadata { Name = "zip", Type = ParameterType.String, DefaultValue = "8080" });
        Assert.Equal(JsonValueKind.String, value!.GetValueKind());
        Assert.Equal("8080", value.GetValue<string>());
    }

    [Fact]
    public void Boolean_float_and_json_defaults_parse_to_their_types()
    {
        Assert.Equal(JsonValueKind.True, ParameterValidator.ParseDefault(new ParameterMetadata { Name = "b", Type = ParameterType.Boolean, DefaultValue = "true" })!.GetValueKind());
        Assert.Equal(0.25, ParameterValidator.ParseDefault(new ParameterMetadata { Name = "f", Type = ParameterType.Float, DefaultValue = "0.25" })!.GetValue<double>());
        Assert.Equal(JsonValueKind.Object, ParameterValidator.ParseDefault(new ParameterMetadata { Name = "j", Type = ParameterType.Json, DefaultValue = """{"a":1}""" })!.GetValueKind());
    }

    [Fact]
    public void A_default_that_does_not_parse_stays_text_and_then_fails_the_type_check()
    {
        var meta = new ParameterMetadata { Name = "port", Type = ParameterType.Integer, DefaultValue = "eighty" };
        var value = ParameterValidator.ParseDefault(meta);
        Assert.Equal("eighty", value!.GetValue<string>());
        Assert.Equal(["port must be a whole number."], ParameterValidator.Check(meta, value));
    }

    [Fact]
    public void No_default_parses_to_null()
    {
        Assert.Null(ParameterValidator.ParseDefault(new ParameterMetadata { Name = "port", Type = ParameterType.Integer }));
    }
}
