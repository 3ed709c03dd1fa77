using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.Tests.Browser.Support;

/// <summary>Steps of the real web app that several browser tests share, through its visible controls.</summary>
internal static class AppSession
{
    /// <summary>Opens the app at <paramref name="origin"/> and signs in with an access token pasted into the sign-in page.</summary>
    public static async Task SignInWithTokenAsync(IPage page, Uri origin, string token)
    {
        await page.GotoAsync(new Uri(origin, "/#/sign-in").ToString());
        var tokenInput = page.GetByTestId("token-input");
        if (!await tokenInput.IsVisibleAsync())
        {
            // Behind an auth service the token form is folded away under its summary.
            await page.GetByText("Sign in with an access token").ClickAsync();
        }

        await tokenInput.FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Use this token" }).ClickAsync();
        await Expect(page.GetByTestId("signed-in-as")).ToBeVisibleAsync();
    }

    /// <summary>Joins <paramref name="room"/> from the chat page's sidebar and waits until its composer shows.</summary>
    public static async Task JoinRoomAsync(IPage page, string room)
    {
        await page.GetByTestId("join-room-input").FillAsync(room);
        await page.GetByTestId("join-room-button").ClickAsync();
        await Expect(page.GetByTestId("composer-input")).ToBeVisibleAsync();
    }
}
