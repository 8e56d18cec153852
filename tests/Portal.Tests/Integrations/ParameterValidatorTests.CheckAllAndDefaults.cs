using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Core.Common;
using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed partial class ParameterValidatorTests
{
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
