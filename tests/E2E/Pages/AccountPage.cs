using Microsoft.Playwright;

namespace Portal.E2E.Pages;

/// <summary>/account: statically rendered forms (no circuit): the password and two-factor sign-in.</summary>
public sealed class AccountPage(IPage page)
{
    public const string Path = "/account";

    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Name = "Account", Exact = true, Level = 1 });

    public ILocator CurrentPassword => page.GetByLabel("Current password", new() { Exact = true });

    public ILocator NewPassword => page.GetByLabel("New password", new() { Exact = true });

    public ILocator ConfirmPassword => page.GetByLabel("Confirm new password", new() { Exact = true });

    public ILocator ChangePasswordButton => page.GetByRole(AriaRole.Button, new() { Name = "Change password", Exact = true });

    public ILocator Status => page.GetByRole(AriaRole.Status);

    public ILocator SetUpButton => page.GetByRole(AriaRole.Button, new() { Name = "Set up authenticator app", Exact = true });

    public ILocator SharedKey => page.GetByLabel("Authenticator key", new() { Exact = true });

    public ILocator QrCode => page.GetByRole(AriaRole.Img, new() { Name = "QR code of the authenticator key" });

    public ILocator Code => page.GetByLabel("Code from the app", new() { Exact = true });

    public ILocator VerifyButton => page.GetByRole(AriaRole.Button, new() { Name = "Verify and turn on", Exact = true });

    public ILocator RecoveryCodes => page.GetByRole(AriaRole.List, new() { Name = "Recovery codes" }).GetByRole(AriaRole.Listitem);

    public ILocator TurnOffButton => page.GetByRole(AriaRole.Button, new() { Name = "Turn off two-factor sign-in…", Exact = true });

    public ILocator CancelLink => page.GetByRole(AriaRole.Link, new() { Name = "Cancel", Exact = true });

    public ILocator ConfirmTurnOffButton => page.GetByRole(AriaRole.Button, new() { Name = "Turn off", Exact = true });

    public ILocator SignOutButton => page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true });

    public async Task<AccountPage> OpenAsync()
    {
        await page.GotoAsync(Path);
        return this;
    }

    public async Task ChangePasswordAsync(string current, string next)
    {
        await CurrentPassword.FillAsync(current);
        await NewPassword.FillAsync(next);
        await ConfirmPassword.FillAsync(next);
        await ChangePasswordButton.ClickAsync();
    }

    /// <summary>Starts the set-up and returns the shared key as the page shows it.</summary>
    public async Task<string> StartTwoFactorSetUpAsync()
    {
        await SetUpButton.ClickAsync();
        return await SharedKey.InnerTextAsync();
    }

    public async Task VerifyAsync(string code)
    {
        await Code.FillAsync(code);
        await VerifyButton.ClickAsync();
    }
}

/// <summary>/account/login/two-factor: the second step of signing in.</summary>
public sealed class TwoFactorLoginPage(IPage page)
{
    public const string Path = "/account/login/two-factor";

    public ILocator Code => page.GetByLabel("Authenticator code or recovery code", new() { Exact = true });

    public async Task VerifyAsync(string code)
    {
        await Code.FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
    }
}
