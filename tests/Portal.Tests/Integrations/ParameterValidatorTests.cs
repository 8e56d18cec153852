using System.Text.Json.Nodes;
using Portal.Core.Common;
using Portal.Core.Integrations;

namespace Portal.Tests.Integrations;

public sealed partial class ParameterValidatorTests
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
}
