// The IdP's only script: runs the WebAuthn ceremony of a passkey form, then posts the form.
// A form marked data-passkey="register" or "sign-in" carries the server's options as JSON in
// data-options and a hidden "credential" field; the ceremony itself is @simplewebauthn/browser's
// (served beside this file as /assets/webauthn.js). Without WebAuthn the forms stay hidden, a note
// saying so stays shown, and the page works as before: passwords and codes need no script.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;
  document.querySelectorAll('[data-passkey-unavailable]').forEach(function (note) { note.hidden = true; });

  var MESSAGES = {
    NotAllowedError: 'The passkey request was cancelled or timed out. Try again when you are ready.',
    InvalidStateError: 'This device already holds a passkey for your account.',
    SecurityError: 'This page cannot use passkeys (it must be opened at the sign-in service’s own address).',
    default: 'Your browser could not use a passkey. Try again, or use another way to sign in.',
  };

  function say(form, error) {
    var status = document.getElementById(form.getAttribute('data-status'));
    if (!status) return;
    status.textContent = MESSAGES[error && error.name] || MESSAGES.default;
    status.hidden = false;
    status.focus();
  }

  function post(form, response) {
    form.querySelector('input[name="credential"]').value = JSON.stringify(response);
    form.submit();
  }

  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    var kind = form.getAttribute('data-passkey');
    var options = JSON.parse(form.getAttribute('data-options'));
    var busy = false;
    form.hidden = false;

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      var ceremony = kind === 'register'
        ? lib.startRegistration({ optionsJSON: options })
        : lib.startAuthentication({ optionsJSON: options });
      ceremony.then(function (response) { post(form, response); }, function (error) {
        busy = false;
        // An autofill request this click replaced ends with AbortError: not the person's problem.
        if (error && error.name !== 'AbortError') say(form, error);
      });
    });

    // The browser's passkey autofill on the email field (WebAuthn conditional mediation).
    if (kind === 'sign-in' && form.hasAttribute('data-autofill')) {
      lib.browserSupportsWebAuthnAutofill().then(function (supported) {
        if (!supported) return;
        lib.startAuthentication({ optionsJSON: options, useBrowserAutofill: true }).then(function (response) {
          post(form, response);
        }, function () { /* replaced by a click, or nothing chosen */ });
      });
    }
  });
})();
