;;; emacs.el --- drive a real Emacs + eglot as a matdiff user would  -*- lexical-binding: t -*-

;; emacs --batch -l INIT.el -l tests/editors/emacs.el FILE.matdiff
;;
;; After the user's init (the README's snippet) has run: visits FILE, lets eglot connect
;; (eglot-ensure waits for the command loop, which batch Emacs runs by hand here), waits for
;; flymake's diagnostics, asks eglot's own hover function (what eldoc shows) on the name of
;; the definition `loss' (line 2), applies the code action "Insert gradient of loss by W"
;; through `eglot-code-actions' (its menu answered with that title), and prints one JSON
;; object on stdout.  Every wait is bounded; a failure prints to stderr and exits 1.

(require 'cl-lib)
(require 'json)
(require 'eglot)
(require 'flymake)

(defconst matdiff-test-timeout 8.0 "Seconds for each wait.")

(defun matdiff-test-fail (fmt &rest args)
  (princ (concat "emacs.el: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (let ((server (ignore-errors (eglot-current-server))))
    (when server
      (with-current-buffer (jsonrpc-events-buffer server)
        (princ (buffer-substring-no-properties (max (point-min) (- (point-max) 3000))
                                               (point-max))
               #'external-debugging-output))))
  (kill-emacs 1))

(defun matdiff-test-wait (what pred)
  (let ((deadline (+ (float-time) matdiff-test-timeout)))
    (while (not (funcall pred))
      (when (> (float-time) deadline)
        (matdiff-test-fail "timed out waiting for %s" what))
      (accept-process-output nil 0.02))))

(defun matdiff-test-diagnostics ()
  (vconcat
   (mapcar (lambda (d)
             (let ((beg (flymake-diagnostic-beg d)))
               `((line . ,(line-number-at-pos beg))             ; 1-based
                 (column . ,(save-excursion (goto-char beg) (current-column))) ; characters
                 (type . ,(symbol-name (flymake-diagnostic-type d)))
                 (text . ,(flymake-diagnostic-text d)))))
           (sort (flymake-diagnostics) (lambda (a b) (< (flymake-diagnostic-beg a)
                                                        (flymake-diagnostic-beg b)))))))

(defun matdiff-test-main (file)
  (find-file file)
  (unless (eq major-mode 'matdiff-mode)
    (matdiff-test-fail "major mode is %s, not matdiff-mode: is the init loaded?" major-mode))
  (run-hooks 'post-command-hook)        ; the command loop would, after find-file
  (matdiff-test-wait "eglot to connect" (lambda () (eglot-current-server)))
  (let* ((server (eglot-current-server))
         (result `((mode . ,(symbol-name major-mode))
                   (server . ,(plist-get (eglot--server-info server) :name))
                   (command . ,(vconcat (process-command (jsonrpc--process server))))))
         (hover nil))
    (flymake-start)
    (matdiff-test-wait "flymake diagnostics" (lambda () (flymake-diagnostics)))
    (push `(diagnostics . ,(matdiff-test-diagnostics)) result)

    ;; Hover on `loss' in line 2, through eglot's eldoc function.
    (goto-char (point-min))
    (forward-line 1)
    (forward-char 1)
    (eglot-hover-eldoc-function (lambda (info &rest _) (setq hover (or info ""))))
    (matdiff-test-wait "the hover" (lambda () hover))
    (push `(hover . ,(substring-no-properties hover)) result)

    ;; The code action, chosen from eglot's menu by its title.
    (let* ((title "Insert gradient of loss by W")
           (seen nil)
           (last-nonmenu-event ?\r)     ; a keyboard event: eglot asks by completing-read
           (tick (buffer-modified-tick)))
      (cl-letf (((symbol-function 'completing-read)
                 (lambda (_prompt items &rest _)
                   (setq seen (mapcar #'car items))
                   title)))
        (eglot-code-actions (point) (point) nil t))
      (matdiff-test-wait "the code action to edit the buffer"
                         (lambda () (/= tick (buffer-modified-tick))))
      (push `(actions . ,(vconcat seen)) result)
      (push `(buffer . ,(buffer-substring-no-properties (point-min) (point-max))) result))

    ;; eglot sends the change on an idle timer; batch Emacs is never idle, so send it now.
    (let ((before (matdiff-test-diagnostics)))
      (eglot--signal-textDocument/didChange)
      (matdiff-test-wait "diagnostics after the edit"
                         (lambda () (not (equal before (matdiff-test-diagnostics))))))
    (push `(diagnostics_after . ,(matdiff-test-diagnostics)) result)

    (princ (concat (json-encode result) "\n"))
    (eglot-shutdown server)))

(condition-case err
    (progn
      (matdiff-test-main (or (pop command-line-args-left)
                             (matdiff-test-fail "usage: emacs --batch -l INIT -l emacs.el FILE")))
      (kill-emacs 0))
  (error (matdiff-test-fail "%S" err)))

;;; emacs.el ends here
