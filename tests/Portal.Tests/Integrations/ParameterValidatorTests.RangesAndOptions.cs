using System.Text.Json;

namespace Portal.Tests.Integrations;

public sealed partial class ParameterValidatorTests
{
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
}
