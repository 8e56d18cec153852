using Portal.Core.Common;

namespace Portal.Tests.Common;

public sealed class PagingTests
{
    [Fact]
    public void Without_skip_and_take_a_page_starts_at_zero_and_takes_fifty()
    {
        Assert.Equal(new Paging(0, 50), Paging.From(null, null));
    }

    [Fact]
    public void Skip_and_take_within_bounds_are_kept()
    {
        Assert.Equal(new Paging(100, 25), Paging.From(100, 25));
    }

    [Theory]
    [InlineData(500, 500)]
    [InlineData(501, 500)]
    [InlineData(int.MaxValue, 500)]
    public void Take_is_capped_at_five_hundred(int take, int expected)
    {
        Assert.Equal(expected, Paging.From(0, take).Take);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(int.MinValue)]
    public void Take_below_one_becomes_one(int take)
    {
        Assert.Equal(1, Paging.From(0, take).Take);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_negative_skip_becomes_zero(int skip)
    {
        Assert.Equal(0, Paging.From(skip, null).Skip);
    }

    [Fact]
    public void A_page_carries_its_items_and_the_total()
    {
        var page = new Page<string>(["a", "b"], 7);
        Assert.Equal(["a", "b"], page.Items);
        Assert.Equal(7, page.Total);
    }
}

public sealed class ResultTests
{
    [Fact]
    public void A_value_converts_to_a_successful_result()
    {
        Result<int> result = 42;
        Assert.True(result.IsSuccess);
        Assert.Equal(42, result.Value);
        Assert.Null(result.Error);
    }

    [Fact]
    public void An_error_converts_to_a_failed_result()
    {
        Result<int> result = Error.NotFound("No such integration.");
        Assert.False(result.IsSuccess);
        Assert.Equal(ErrorKind.NotFound, result.Error!.Kind);
    }

    [Fact]
    public void Validation_errors_collect_several_messages_per_field()
    {
        var errors = new ValidationErrors();
        Assert.False(errors.Any);
        errors.Add("id", "first");
        errors.Add("id", "second");
        errors.Add("tags", "third");
        var error = errors.ToError();
        Assert.True(errors.Any);
        Assert.Equal(ErrorKind.Validation, error.Kind);
        Assert.Equal(["first", "second"], error.Errors!["id"]);
        Assert.Equal(["third"], error.Errors["tags"]);
    }

    [Fact]
    public void Describe_puts_the_field_errors_after_the_detail()
    {
        var error = Error.Validation("displayName", "displayName is required.");
        Assert.Equal("One or more fields are invalid. displayName: displayName is required.", error.Describe());
        Assert.Equal("Gone.", Error.NotFound("Gone.").Describe());
    }
}
