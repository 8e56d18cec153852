using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>/account/login: a statically rendered form (no circuit), so it can be used as soon as it loads.</summary>
public sealed class LoginPage(IPage page)
{
    public const string Path = "/account/login";

    public ILocator Email => page.GetByLabel("E-mail", new() { Exact = true });

    public ILocator Password => page.GetByLabel("Password", new() { Exact = true });

    public ILocator SignInButton => page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true });

    public ILocator Alert => page.GetByRole(AriaRole.Alert);

    public async Task<LoginPage> OpenAsync()
    {
        await page.GotoAsync(Path);
        return this;
    }

    public async Task SignInAsync(string email, string password)
    {
        await Email.FillAsync(email);
        await Password.FillAsync(password);
        await SignInButton.ClickAsync();
    }

    /// <summary>Signs in and waits for the tenant's home page, where a sign-in lands.</summary>
    public async Task SignInToHomeAsync(string email, string password)
    {
        await SignInAsync(email, password);
        await page.WaitForURLAsync(url => url.Contains("/t/", StringComparison.Ordinal));
    }
}
