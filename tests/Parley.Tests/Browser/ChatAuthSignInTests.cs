using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Tests.Browser.Support;
using Parley.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Parley.Tests.Browser;

/// <summary>
/// The web app signing in through the auth service, as behind the reference nginx: the node's web
/// configuration names <c>/auth</c>, and the browser's requests there are forwarded to a real auth
/// service (the test plays nginx's part). Tokens live 30 seconds, so the app must renew one.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatAuthSignInTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_user_signs_in_with_a_password_keeps_chatting_past_a_token_renewal_and_signing_out_revokes_the_refresh_token()
    {
        await using var auth = await AuthServiceNode.StartAsync(new Dictionary<string, string?> { ["ParleyAuth:AccessTokenLifetime"] = "00:00:30" });
        await auth.CreateTenantAsync("acme");
        await auth.CreateUserAsync((await auth.LoginAsync("acme", "root")).AccessToken, "acme", "alice", ["general"]);
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Auth:HmacSecret"] = "",
            ["Parley:Auth:DisableDevelopmentKey"] = "true",
            ["Parley:Auth:JwksUrl"] = auth.JwksUrl,
            ["Parley:Auth:Issuer"] = "parley-auth",
            ["Parley:Auth:Audience"] = "parley",
            ["Parley:Web:AuthUrl"] = "/auth",
        });
        await using var context = await browser.NewContextAsync();
        await context.RouteAsync("**/auth/api/**", route => ForwardToAuthServiceAsync(route, auth.HttpUri));
        var page = await context.NewPageAsync();
        await page.GotoAsync(node.HttpUri.ToString());

        await SignInAsync(page, "alice", "not the password");
        await Expect(page.GetByTestId("sign-in-error")).ToHaveTextAsync("Wrong tenant, user name or password.");

        await SignInAsync(page, "alice", AuthServiceNode.Password);
        await Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync("alice@acme");
        await AppSession.JoinRoomAsync(page, "general");
        await SendAsync(page, "signed in with a password");

        // Half-way through the token's 30 seconds the app renews it; the chat goes on with the new one.
        var renewal = await page.WaitForResponseAsync(r => r.Url.EndsWith("/auth/api/v1/auth/refresh", StringComparison.Ordinal), new() { Timeout = 45_000 });
        Assert.Equal(200, renewal.Status);
        await SendAsync(page, "still here after the renewal");

        var refreshToken = await CurrentRefreshTokenAsync(page);
        var logout = page.WaitForResponseAsync(r => r.Url.EndsWith("/auth/api/v1/auth/logout", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        Assert.Equal(204, (await logout).Status);
        await Expect(page.GetByTestId("sign-in-form")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('parley.session')"));

        using var refused = await auth.TryRefreshAsync(refreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private static async Task SignInAsync(IPage page, string user, string password)
    {
        await page.GetByLabel("Tenant").FillAsync("acme");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await page.GetByTestId("composer-input").FillAsync(text);
        await page.GetByTestId("composer-input").PressAsync("Enter");
        await Expect(page.Locator("[data-testid=message][data-delivery=acked]").Filter(new() { HasText = text })).ToHaveCountAsync(1);
    }

    private static async Task<string> CurrentRefreshTokenAsync(IPage page)
    {
        var session = await page.EvaluateAsync<string>("sessionStorage.getItem('parley.session')");
        return JsonDocument.Parse(session).RootElement.GetProperty("refreshToken").GetString()!;
    }

    /// <summary>What nginx's <c>location /auth/</c> does: the same request, without the prefix, to the auth service.</summary>
    private static async Task ForwardToAuthServiceAsync(IRoute route, Uri authService)
    {
        var path = new Uri(route.Request.Url).PathAndQuery["/auth".Length..];
        var response = await route.FetchAsync(new() { Url = new Uri(authService, path).ToString() });
        await route.FulfillAsync(new() { Response = response });
    }
}
