using Bunit;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components;

public sealed class SecretOnceDialogTests : PortalComponentTest
{
    private const string Secret = "pk_live_7f3a9c2e41b84d6d";

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> OpenAsync()
    {
        var provider = RenderDialogProvider();
        var dialog = await provider.InvokeAsync(() => SecretOnceDialog.ShowAsync(Dialogs, Secret, "Your new API key", "API key"));
        provider.WaitForAssertion(() => Assert.Contains("Your new API key", provider.Markup));
        return (provider, dialog);
    }

    private JSRuntimeInvocationHandler<bool> ClipboardAccepts() =>
        JSInterop.Setup<bool>("portalClipboard.copy", _ => true).SetResult(true) as JSRuntimeInvocationHandler<bool>
        ?? throw new InvalidOperationException("Unexpected handler type.");

    [Fact]
    public async Task The_secret_is_shown_in_a_read_only_field_with_the_warning()
    {
        var (provider, _) = await OpenAsync();

        var field = provider.Find(".secret-value textarea, .secret-value input");
        Assert.True(field.HasAttribute("readonly"));
        Assert.Equal(Secret, field.GetAttribute("value") ?? field.TextContent);
        Assert.Contains("will not be shown again", provider.Find("[role=note]").TextContent);
        Assert.Contains("API key", provider.Find(".secret-value label").TextContent);
    }

    [Fact]
    public async Task Copy_puts_the_secret_on_the_clipboard_and_says_so()
    {
        var clipboard = ClipboardAccepts();
        var (provider, _) = await OpenAsync();
        Assert.DoesNotContain("Copied", provider.Markup);

        await provider.InvokeAsync(() => Button(provider, "Copy").ClickAsync(new()));

        var call = Assert.Single(clipboard.Invocations);
        Assert.Equal(Secret, Assert.Single(call.Arguments));
        provider.WaitForAssertion(() => Assert.Contains("Copied", provider.Find("[role=status]").TextContent));
    }

    [Fact]
    public async Task Done_before_copy_asks_for_confirmation_instead_of_closing()
    {
        var (provider, _) = await OpenAsync();

        await provider.InvokeAsync(() => Button(provider, "Done").ClickAsync(new()));

        Assert.Contains("You have not copied", provider.Find("[role=alert]").TextContent);
        Assert.NotNull(Button(provider, "Go back"));
        Assert.NotNull(Button(provider, "Close without copying"));
        Assert.Contains(Secret, provider.Markup); // still open
        Assert.Single(provider.FindAll(".mud-dialog"));
    }

    [Fact]
    public async Task Go_back_returns_to_copy_and_done()
    {
        var (provider, _) = await OpenAsync();
        await provider.InvokeAsync(() => Button(provider, "Done").ClickAsync(new()));

        await provider.InvokeAsync(() => Button(provider, "Go back").ClickAsync(new()));

        Assert.DoesNotContain("You have not copied", provider.Markup);
        Assert.NotNull(Button(provider, "Copy"));
        Assert.Contains(Secret, provider.Markup);
    }

    [Fact]
    public async Task Close_without_copying_closes_and_the_secret_is_gone_from_the_page()
    {
        var (provider, dialog) = await OpenAsync();
        await provider.InvokeAsync(() => Button(provider, "Done").ClickAsync(new()));

        await provider.InvokeAsync(() => Button(provider, "Close without copying").ClickAsync(new()));

        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
        Assert.DoesNotContain(Secret, provider.Markup);
        var result = await dialog.Result;
        Assert.NotNull(result);
        Assert.False(result.Canceled);
    }

    [Fact]
    public async Task After_copy_done_closes_at_once_with_an_ok_result()
    {
        var clipboard = ClipboardAccepts();
        var (provider, dialog) = await OpenAsync();
        await provider.InvokeAsync(() => Button(provider, "Copy").ClickAsync(new()));
        Assert.Single(clipboard.Invocations);

        await provider.InvokeAsync(() => Button(provider, "Done").ClickAsync(new()));

        provider.WaitForAssertion(() => Assert.Empty(provider.FindAll(".mud-dialog")));
        Assert.DoesNotContain(Secret, provider.Markup);
        Assert.DoesNotContain("You have not copied", provider.Markup);
        var result = await dialog.Result;
        Assert.NotNull(result);
        Assert.False(result.Canceled);
        Assert.Equal(true, result.Data);
    }

    [Fact]
    public async Task A_failed_copy_does_not_count_as_copied()
    {
        JSInterop.Setup<bool>("portalClipboard.copy", _ => true).SetResult(false);
        var (provider, _) = await OpenAsync();
        await provider.InvokeAsync(() => Button(provider, "Copy").ClickAsync(new()));

        await provider.InvokeAsync(() => Button(provider, "Done").ClickAsync(new()));

        Assert.DoesNotContain("Copied", provider.Markup);
        Assert.Contains("You have not copied", provider.Markup);
        Assert.Single(provider.FindAll(".mud-dialog"));
    }
}
